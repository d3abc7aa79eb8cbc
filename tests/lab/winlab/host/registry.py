"""A registry: case-insensitive keys and value names, as Windows' is."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RegValue:
    name: str  # "" is the default value
    type: str  # REG_SZ, REG_DWORD, REG_MULTI_SZ, REG_EXPAND_SZ, REG_BINARY, REG_QWORD
    data: str  # as reg.exe prints it (REG_DWORD: "0x1"; REG_MULTI_SZ: "a\\0b")


@dataclass
class RegKey:
    path: str  # full path as created, e.g. HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft
    values: dict[str, RegValue] = field(default_factory=dict)  # keyed by lower-case name


_ROOTS = {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKU": "HKEY_USERS", "HKCR": "HKEY_CLASSES_ROOT"}


def canonical(path: str) -> str:
    """Expand the root abbreviation and drop trailing backslashes: HKLM\\X\\ → HKEY_LOCAL_MACHINE\\X."""
    path = path.strip().rstrip("\\")
    root, _, rest = path.partition("\\")
    root = _ROOTS.get(root.upper(), root.upper())
    return f"{root}\\{rest}" if rest else root


class Registry:
    def __init__(self) -> None:
        self._keys: dict[str, RegKey] = {}

    def key(self, path: str) -> RegKey | None:
        return self._keys.get(canonical(path).lower())

    def ensure_key(self, path: str) -> RegKey:
        full = canonical(path)
        parts = full.split("\\")
        for depth in range(1, len(parts) + 1):
            sub = "\\".join(parts[:depth])
            self._keys.setdefault(sub.lower(), RegKey(sub))
        return self._keys[full.lower()]

    def set_value(self, path: str, name: str, kind: str, data: str) -> None:
        self.ensure_key(path).values[name.lower()] = RegValue(name, kind, data)

    def delete_value(self, path: str, name: str) -> bool:
        key = self.key(path)
        return key is not None and key.values.pop(name.lower(), None) is not None

    def delete_key(self, path: str) -> bool:
        prefix = canonical(path).lower()
        doomed = [k for k in self._keys if k == prefix or k.startswith(prefix + "\\")]
        for k in doomed:
            del self._keys[k]
        return bool(doomed)

    def subkeys(self, path: str) -> list[RegKey]:
        """Direct children, in creation order (reg.exe lists them after the values)."""
        prefix = canonical(path).lower() + "\\"
        return [k for low, k in self._keys.items() if low.startswith(prefix) and "\\" not in low[len(prefix) :]]

    def descendants(self, path: str) -> list[RegKey]:
        prefix = canonical(path).lower() + "\\"
        return [k for low, k in self._keys.items() if low.startswith(prefix)]
