"""Tamper evidence for the audit trail: a keyed chain.

Every completed row is a link in one chain: row_hash = HMAC-SHA-256, under a key kept
outside the database (AUDIT_CHAIN_KEY), of the previous row's hash and this row's content.
Someone who can write to the database but does not hold the key cannot re-chain a row they
changed, and an anchor (the entry count and the newest row's MAC, kept somewhere else; see
customers/audit/verify.py) catches rows cut from the end with the head reset.

Rows chained before keys existed were linked with plain SHA-256 (key ID ""); anyone can
compute that, so they verify only up to a count and hash given from outside the database
(AUDIT_CHAIN_LEGACY_END, or an anchor), and a plain row after a keyed one is a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from django.conf import settings

from customers.models import AuditChainHead, AuditEntry

# What a row says from the start (what it is, who acts), and what completion fills in. The
# orders below are part of every signature made: never change them, add to HASHED_IF_SET.
_ABOUT = (
    "kind",
    "operation",
    "http_method",
    "path",
    "search_term",
    "target_customer_id",
    "sandbox",
)
_WHO = ("user_id", "username", "request_id")
_RESULT = (
    "outcome",
    "http_status",
    "revcent_code",
    "api_call_id",
    "api_call_unix",
    "message",
    "customer_id",
    "duration_ms",
)
HASHED_FIELDS = ("id", "created_at", "completed_at", *_ABOUT, *_RESULT, *_WHO, "chain_seq")
# Added after rows were first chained: hashed only when filled, so older rows still verify
# and a value added to or removed from any row still breaks the chain.
_VIA = ("channel", "token_prefix")  # the way in: added later, so signed only when filled
HASHED_IF_SET = ("error_code", "open_mac", "open_key_id", *_VIA)
# What an open row says before its call is made, signed then (open_mac): its id and the
# database's time included, so a signature cannot be copied onto another row or moment.
OPEN_FIELDS = ("id", "created_at", *_ABOUT, *_WHO)
OPEN_IF_SET = _VIA
SIGNED_OPEN = (*OPEN_FIELDS, *OPEN_IF_SET, "open_mac", "open_key_id")
GENESIS = "0" * 64
LEGACY_KEY_ID = ""


class UnknownChainKey(Exception):
    """A row names a chain key this installation does not hold."""


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def _chain_keys() -> dict[str, str]:
    # Read at call time, not import time, so tests can rotate keys with override_settings.
    return dict(settings.AUDIT_CHAIN_KEYS)


def _encoded(content: list[object]) -> bytes:
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _mac(key_id: str, content: list[object]) -> str:
    secret = _chain_keys().get(key_id)
    if secret is None:
        raise UnknownChainKey(key_id)
    # The key ID is part of what is signed: a row cannot be moved to a weaker or older key.
    return hmac.new(secret.encode(), _encoded([key_id, *content]), hashlib.sha256).hexdigest()


def row_digest(values: Mapping[str, object], prev_hash: str, key_id: str = LEGACY_KEY_ID) -> str:
    content: list[object] = [prev_hash, *(_canonical(values[name]) for name in HASHED_FIELDS)]
    content += [[name, values[name]] for name in HASHED_IF_SET if values.get(name)]
    if key_id == LEGACY_KEY_ID:
        return hashlib.sha256(_encoded(content)).hexdigest()
    return _mac(key_id, content)


def open_digest(values: Mapping[str, object], key_id: str) -> str:
    # "open" where a link has its previous MAC (64 hex digits): the two never coincide.
    content: list[object] = ["open", *(_canonical(values[name]) for name in OPEN_FIELDS)]
    content += [[name, values[name]] for name in OPEN_IF_SET if values.get(name)]
    return _mac(key_id, content)


def sign_open(entry: AuditEntry) -> None:
    """Sign a row just opened (it has its id and the database's time) with the current key."""
    entry.open_key_id = settings.AUDIT_CHAIN_KEY_ID
    values = {name: getattr(entry, name) for name in (*OPEN_FIELDS, *OPEN_IF_SET)}
    entry.open_mac = open_digest(values, entry.open_key_id)


def entry_open_problem(entry: AuditEntry) -> str:
    """open_problem for a row read as a model instance."""
    return open_problem({name: getattr(entry, name) for name in SIGNED_OPEN})


def open_problem(values: Mapping[str, object]) -> str:
    """Why an open row's signature does not show the app opened it (SIGNED_OPEN's values);
    "" when it does."""
    key_id, mac = str(values["open_key_id"]), str(values["open_mac"])
    if not mac:
        return "was not signed when it was opened"
    try:
        expected = open_digest(values, key_id)
    except UnknownChainKey:
        return f"is signed with chain key {key_id!r}, which is not configured"
    return "" if hmac.compare_digest(expected, mac) else "does not match its signature"


def locked_head() -> AuditChainHead:
    """The chain's head, locked until the transaction ends (call inside one)."""
    locked = AuditChainHead.objects.select_for_update()
    head = locked.filter(pk=1).first()
    if head is None:  # made by a migration; gone after a test database is flushed
        AuditChainHead.objects.get_or_create(pk=1)
        head = locked.get(pk=1)
    return head


def link_for(entry: AuditEntry, head: AuditChainHead) -> dict[str, object]:
    """Give entry the next place after head, signed with the current key."""
    entry.chain_seq = head.seq + 1
    entry.prev_hash = head.hash
    entry.chain_key_id = settings.AUDIT_CHAIN_KEY_ID
    values = {name: getattr(entry, name) for name in (*HASHED_FIELDS, *HASHED_IF_SET)}
    entry.row_hash = row_digest(values, head.hash, entry.chain_key_id)
    return {
        "chain_seq": entry.chain_seq,
        "prev_hash": entry.prev_hash,
        "chain_key_id": entry.chain_key_id,
        "row_hash": entry.row_hash,
    }


def advance_head(head: AuditChainHead, entry: AuditEntry) -> None:
    # After the entry is written: PostgreSQL's guard lets the head move only one step, onto
    # a row that is already in the trail with that hash.
    head.seq, head.hash = entry.chain_seq or 0, entry.row_hash
    head.save(update_fields=["seq", "hash"])
