"""The client's last check before sending: no card number leaves in a body or a URL.

The request middleware and the forms refuse card numbers long before this; a request that
still holds one is a bug somewhere upstream. It is not sent, and the audit trail says so
(outcome "refused"), with the card number removed from everything the row records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from customers import audit
from customers.audit import AuditWriteRefused
from customers.cardguard.guard import any_card_number, contains_card_number
from customers.models import AuditEntry
from customers.revcent.errors import RevCentRefused

REFUSED_MESSAGE = (
    "Support Desk refused to send a card number to RevCent, so nothing was sent. "
    "Card details are never entered here: send the customer a secure card link."
)


def holds_card_number(
    *, path: str, params: dict[str, Any] | None, json_body: Mapping[str, object] | None
) -> bool:
    """Anywhere in what would be sent: the URL's path, its query, the JSON body."""
    return contains_card_number(path) or any_card_number(params) or any_card_number(json_body)


def refuse(**row: Unpack[audit.OpenCall]) -> RevCentRefused:
    """Record the refusal (outcome "refused") and return the error to raise. The writer
    records the row without the card number."""
    try:
        entry = audit.api_call_started(**row)
    except AuditWriteRefused:
        return RevCentRefused(REFUSED_MESSAGE)
    audit.api_call_completed(
        entry,
        outcome=AuditEntry.Outcome.REFUSED,
        duration_ms=0,
        message="Not sent: the request held a card number.",
    )
    return RevCentRefused(REFUSED_MESSAGE, audit_entry=entry)
