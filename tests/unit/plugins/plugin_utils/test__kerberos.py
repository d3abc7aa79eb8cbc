"""Kerberos for the winrs connection: principals, kinit's command line and environment, failures in plain words."""

from __future__ import annotations

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._kerberos import (
    Failure,
    KerberosProblem,
    KerberosUserError,
    check_principal,
    classify,
    describe,
    kinit_command,
    kinit_environment,
    realm_of,
)

# Messages as MIT Kerberos 1.20 prints them (kinit, C locale) and as pykerberos reports GSS-API failures; the kinit
# lines were captured from Debian 12's krb5-user against the lab's KDC.
MESSAGES = [
    ("kinit: Cannot contact any KDC for realm 'LAB.TEST' while getting initial credentials", Failure.KDC_UNREACHABLE),
    ('kinit: Cannot find KDC for realm "lab.test" while getting initial credentials', Failure.UNKNOWN_REALM),
    ("kinit: Password incorrect while getting initial credentials", Failure.WRONG_PASSWORD),
    ("kinit: Preauthentication failed while getting initial credentials", Failure.WRONG_PASSWORD),
    (
        "kinit: Client 'nobody@LAB.TEST' not found in Kerberos database while getting initial credentials",
        Failure.UNKNOWN_USER,
    ),
    ("kinit: Clock skew too great while getting initial credentials", Failure.CLOCK_SKEW),
    ("kinit: Password has expired while getting initial credentials", Failure.PASSWORD_EXPIRED),
    ("kinit: Client's credentials have been revoked while getting initial credentials", Failure.ACCOUNT_REVOKED),
    (
        "authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
        "('Server HTTP/nothere.lab.test@LAB.TEST not found in Kerberos database', -1765328377))",
        Failure.UNKNOWN_SERVICE,
    ),
    (
        "authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
        "('Clock skew too great', -1765328347))",
        Failure.CLOCK_SKEW,
    ),
    (
        "authGSSClientInit() failed: (('No credentials were supplied, or the credentials were unavailable or "
        "inaccessible', 458752), (\"Can't find client principal Administrator@LAB.TEST in cache collection\", "
        "-1765328243))",
        Failure.NO_TICKET,
    ),
    (
        "authGSSClientStep() failed: (('Unspecified GSS failure.  Minor code may provide more information', 851968), "
        "('Ticket expired', -1765328352))",
        Failure.TICKET_EXPIRED,
    ),
    ("Unable to authenticate <Response [200]>", Failure.MUTUAL_AUTHENTICATION),
    ("kinit: KDC has no support for encryption type while getting initial credentials", Failure.OTHER),
]


@pytest.mark.parametrize(("message", "failure"), MESSAGES)
def test_failures_are_recognised(message: str, failure: Failure) -> None:
    problem = classify(message)
    assert problem.failure is failure
    assert problem.detail == message


def test_the_prompt_is_dropped_and_the_password_never_kept() -> None:
    problem = classify("Password for a@B: \nkinit: Password incorrect (S3cret!) while getting initial", "S3cret!")
    assert problem.failure is Failure.WRONG_PASSWORD
    assert "S3cret!" not in problem.detail and "Password for" not in problem.detail


@pytest.mark.parametrize("failure", list(Failure))
def test_every_failure_names_the_realm_and_keeps_the_tool_message(failure: Failure) -> None:
    text = describe(KerberosProblem(failure, "kinit: original"), "Administrator@CORP.EXAMPLE", "ws1.corp.example")
    assert "[kinit: original]" in text
    if failure is not Failure.MUTUAL_AUTHENTICATION:
        assert "CORP.EXAMPLE" in text
    if failure in (Failure.UNKNOWN_SERVICE, Failure.MUTUAL_AUTHENTICATION, Failure.OTHER):
        assert "HTTP/ws1.corp.example" in text


def test_what_each_failure_tells_the_operator() -> None:
    def said(failure: Failure) -> str:
        return describe(KerberosProblem(failure, ""), "jdoe@CORP.EXAMPLE", "ws1.corp.example")

    assert "rejected the password of jdoe@CORP.EXAMPLE" in said(Failure.WRONG_PASSWORD)
    assert "does not know the user jdoe@CORP.EXAMPLE" in said(Failure.UNKNOWN_USER)
    assert "no KDC of realm CORP.EXAMPLE answered" in said(Failure.KDC_UNREACHABLE)
    assert "clocks" in said(Failure.CLOCK_SKEW)
    assert "kerberos_hostname_override" in said(Failure.UNKNOWN_SERVICE)
    assert "run kinit first" in said(Failure.NO_TICKET)
    assert "the default realm" in describe(KerberosProblem(Failure.WRONG_PASSWORD, ""), "jdoe", "h")


def test_principals() -> None:
    assert check_principal("Administrator@LAB.TEST") == "Administrator@LAB.TEST"
    assert check_principal("jdoe") == "jdoe"
    assert realm_of("jdoe@CORP.EXAMPLE") == "CORP.EXAMPLE"
    assert realm_of("jdoe") is None
    for bad, why in (("", "needs a user"), ("CORP\\jdoe", "user@REALM"), ("jdoe@", "no realm")):
        with pytest.raises(KerberosUserError, match=why):
            check_principal(bad)


def test_kinit_command_line_never_holds_the_password() -> None:
    assert kinit_command("kinit", None, False, "a@B") == ["kinit", "a@B"]
    assert kinit_command("kinit", None, True, "a@B") == ["kinit", "-f", "a@B"]  # delegation: forwardable
    assert kinit_command("/opt/k/kinit", "-l 4h -c 'x y'", True, "a@B") == [
        "/opt/k/kinit",
        "-l",
        "4h",
        "-c",
        "x y",
        "a@B",
    ]


def test_kinit_environment_is_blank_but_for_what_kerberos_needs() -> None:
    current = {
        "PATH": "/usr/bin",
        "KRB5_CONFIG": "/etc/lab/krb5.conf",
        "KRB5CCNAME": "FILE:/tmp/mine",
        "LC_ALL": "de_DE.UTF-8",
        "AWS_SECRET_ACCESS_KEY": "nope",
        "KRB5_TRACE": "/dev/stderr",
    }
    environment = kinit_environment(current, "FILE:/tmp/private/ccache", ["KRB5_TRACE", "LC_ALL", "KRB5CCNAME"])
    assert environment == {
        "PATH": "/usr/bin",
        "KRB5CCNAME": "FILE:/tmp/private/ccache",
        "LC_ALL": "C",
        "KRB5_CONFIG": "/etc/lab/krb5.conf",
        "KRB5_TRACE": "/dev/stderr",
    }
