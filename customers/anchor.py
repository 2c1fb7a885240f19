"""An audit trail anchor: `<entry count>:<MAC of the newest row>` (no Django: settings read one).

verify_audit_log prints one; kept outside the database, it is given back with --anchor, and
AUDIT_CHAIN_LEGACY_END is one too (customers/audit/verify.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


@dataclass(frozen=True)
class Anchor:
    count: int
    mac: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = _ANCHOR.match(text.strip().lower())
        if match is None:
            raise ValueError("An anchor looks like <entry count>:<64 hex digits>.")
        return cls(int(match[1]), match[2])

    def __str__(self) -> str:
        return f"{self.count}:{self.mac}"
