# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kerberos for the winrs connection, the pure part: who logs on in which realm, the kinit command line and its
environment, and what a failure means in words an operator can act on.

The failures are recognised from MIT Kerberos' messages (its error table, src/lib/krb5/error_tables/krb5_err.et,
and kinit's "... while getting initial credentials"), which kinit prints and GSS-API (pywinrm's pykerberos)
returns as the minor status text. kinit runs in the C locale so that these messages are the English ones.
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SERVICE = "HTTP"  # the service class of WinRM's SPN, HTTP/<host> ([MS-WSMV] 2.2.9.1.1, RFC 4559 section 4)


class Failure(enum.Enum):
    KDC_UNREACHABLE = "kdc_unreachable"
    UNKNOWN_REALM = "unknown_realm"
    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_USER = "unknown_user"
    CLOCK_SKEW = "clock_skew"
    UNKNOWN_SERVICE = "unknown_service"
    PASSWORD_EXPIRED = "password_expired"
    ACCOUNT_REVOKED = "account_revoked"
    NO_TICKET = "no_ticket"
    TICKET_EXPIRED = "ticket_expired"
    MUTUAL_AUTHENTICATION = "mutual_authentication"
    OTHER = "other"


# First match wins: "Password has expired" before the generic "expired".
_PATTERNS: tuple[tuple[re.Pattern[str], Failure], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), failure)
    for pattern, failure in (
        (r"Cannot contact any KDC", Failure.KDC_UNREACHABLE),  # KRB5_KDC_UNREACH
        (r"Cannot find KDC for (requested )?realm|Cannot resolve network address for KDC", Failure.UNKNOWN_REALM),
        (r"Password has expired", Failure.PASSWORD_EXPIRED),  # KRB5KDC_ERR_KEY_EXP
        (r"Password incorrect|Preauthentication failed", Failure.WRONG_PASSWORD),  # KRB5KDC_ERR_PREAUTH_FAILED
        (r"Integrity check on decrypted field failed", Failure.WRONG_PASSWORD),  # KRB5KRB_AP_ERR_BAD_INTEGRITY
        (r"Client\b.*\bnot found in Kerberos database", Failure.UNKNOWN_USER),  # KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN
        (r"Server\b.*\bnot found in Kerberos database", Failure.UNKNOWN_SERVICE),  # KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN
        (r"Clock skew too great", Failure.CLOCK_SKEW),  # KRB5KRB_AP_ERR_SKEW
        (r"credentials have been revoked", Failure.ACCOUNT_REVOKED),  # KRB5KDC_ERR_CLIENT_REVOKED
        (
            r"No Kerberos credentials available|No credentials cache found|No credentials were supplied"
            r"|Matching credential not found|Credentials cache .*not found",
            Failure.NO_TICKET,
        ),
        (r"Ticket expired|credentials have expired", Failure.TICKET_EXPIRED),  # KRB5KRB_AP_ERR_TKT_EXPIRED
        (r"Unable to authenticate <Response", Failure.MUTUAL_AUTHENTICATION),  # requests-kerberos, REQUIRED mode
    )
)


@dataclass(frozen=True)
class KerberosProblem:
    """A failed Kerberos step: what failed, and the tool's own one-line message (secrets removed)."""

    failure: Failure
    detail: str


class KerberosUserError(ValueError):
    """The user name cannot name a Kerberos principal; the message says what to write instead."""


def realm_of(principal: str) -> str | None:
    """`Administrator@LAB.TEST` → `LAB.TEST`; None when the user relies on the default realm."""
    if "@" not in principal:
        return None
    return principal.rpartition("@")[2] or None


def check_principal(user: str) -> str:
    """The principal kinit gets: `user@REALM` (the UPN form) or a bare user of the default realm."""
    if not user:
        raise KerberosUserError("Kerberos needs a user: set ansible_user to user@REALM")
    if "\\" in user:
        raise KerberosUserError(
            f"Kerberos needs the user as user@REALM (e.g. {user.rpartition(chr(92))[2]}@EXAMPLE.COM), "
            f"not the DOMAIN\\user form given ({user})"
        )
    realm = realm_of(user)
    if "@" in user and not realm:
        raise KerberosUserError(f"the user {user} has no realm after the @")
    return user


def kinit_command(kinit_cmd: str, kinit_args: str | None, delegate: bool, principal: str) -> list[str]:
    """kinit's argv, never holding the password: explicit arguments replace the -f (forwardable) that delegation
    needs, as in ansible.builtin.winrm."""
    argv = [kinit_cmd]
    if kinit_args:
        argv.extend(shlex.split(kinit_args))
    elif delegate:
        argv.append("-f")
    argv.append(principal)
    return argv


def kinit_environment(current: Mapping[str, str], ccache: str, pass_through: Iterable[str]) -> dict[str, str]:
    """A blank environment but for PATH, the private cache, the Kerberos configuration the connection itself uses
    (KRB5_CONFIG, so kinit and GSS-API see the same realms), the C locale (messages we can recognise) and the
    variables the user names. KRB5CCNAME and LC_ALL cannot be overridden."""
    environment = {"PATH": current.get("PATH", "/usr/bin:/bin"), "KRB5CCNAME": ccache, "LC_ALL": "C"}
    for name in ("KRB5_CONFIG", *pass_through):
        if name in current and name not in environment:
            environment[name] = current[name]
    return environment


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "<redacted>") if secret else text


def classify(message: str, secret: str | None = None) -> KerberosProblem:
    """A kinit or GSS-API message → what failed, with the message cut to its meaningful line."""
    clean = redact(message, secret)
    lines = [line.strip() for line in clean.splitlines() if line.strip() and not line.startswith("Password for ")]
    detail = " ".join(lines)[:400]
    for pattern, failure in _PATTERNS:
        if pattern.search(clean):
            return KerberosProblem(failure, detail)
    return KerberosProblem(Failure.OTHER, detail)


def describe(problem: KerberosProblem, principal: str, service_host: str) -> str:
    """One sentence naming the realm, the principal or service and the way out."""
    realm = realm_of(principal) or "the default realm of krb5.conf"
    spn = f"{SERVICE}/{service_host}"
    texts = {
        Failure.KDC_UNREACHABLE: f"no KDC of realm {realm} answered: check the realm's kdc entries in krb5.conf "
        "(KRB5_CONFIG) or its DNS SRV records, and that the KDC's port 88 is reachable from the controller",
        Failure.UNKNOWN_REALM: f"no KDC is known for realm {realm}: realm names are case-sensitive (an Active "
        "Directory realm is its DNS domain in upper case); add the realm to krb5.conf or enable dns_lookup_kdc",
        Failure.WRONG_PASSWORD: f"the KDC of realm {realm} rejected the password of {principal} (wrong password)",
        Failure.UNKNOWN_USER: f"the KDC of realm {realm} does not know the user {principal}: check the user name "
        "and the realm after the @",
        Failure.CLOCK_SKEW: f"the clocks of the controller, the KDC of realm {realm} and the host differ by more than "
        "the realm allows (5 minutes by default): synchronise them",
        Failure.UNKNOWN_SERVICE: f"the KDC of realm {realm} has no service principal {spn}: connect by the name the "
        "host is registered under in the domain, or set ansible_winrm_kerberos_hostname_override to it "
        "(setspn -L <computer> lists its SPNs)",
        Failure.PASSWORD_EXPIRED: f"the password of {principal} has expired in realm {realm}: change it",
        Failure.ACCOUNT_REVOKED: f"the account {principal} is disabled or locked out in realm {realm}",
        Failure.NO_TICKET: f"no Kerberos ticket for realm {realm} in the credential cache "
        "(ansible_winrm_kinit_mode=manual): run kinit first, or give ansible_password so the connection gets one",
        Failure.TICKET_EXPIRED: f"the Kerberos ticket for realm {realm} in the credential cache has expired: run "
        "kinit again",
        Failure.MUTUAL_AUTHENTICATION: f"the host did not prove that it holds the key of {spn} (mutual "
        "authentication failed): the answer may not come from the host you meant",
        Failure.OTHER: f"Kerberos failed for {principal} in realm {realm} with service {spn}",
    }
    return f"{texts[problem.failure]} [{problem.detail}]" if problem.detail else texts[problem.failure]
