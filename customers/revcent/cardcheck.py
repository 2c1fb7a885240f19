"""The client's last check before sending: no card number leaves in a body or a URL.

The request middleware and the forms refuse card numbers long before this; a request that
still holds one is a bug somewhere upstream. It is not sent, and the audit trail says so
(outcome "refused"), with the card number removed from everything the row records.
"""

from __future__ import annotations

from typing import Any

from customers import audit
from customers.audit import Actor, AuditWriteRefused
from customers.cardguard import any_card_number, contains_card_number, redact_card_numbers
from customers.models import AuditEntry
from customers.revcent.errors import RevCentRefused

REFUSED_MESSAGE = (
    "Support Desk refused to send a card number to RevCent, so nothing was sent. "
    "Card details are never entered here: send the customer a secure card link."
)


def holds_card_number(
    *, path: str, params: dict[str, Any] | None, json_body: dict[str, Any] | None
) -> bool:
    """Anywhere in what would be sent: the URL's path, its query, the JSON body."""
    return contains_card_number(path) or any_card_number(params) or any_card_number(json_body)


def refuse(
    *,
    operation: AuditEntry.Operation,
    http_method: str,
    path: str,
    actor: Actor,
    sandbox: bool,
    search_term: str,
    target_customer_id: str,
) -> RevCentRefused:
    """Record the refusal (outcome "refused") and return the error to raise."""
    try:
        entry = audit.api_call_started(
            operation=operation,
            http_method=http_method,
            path=redact_card_numbers(path),
            actor=actor,
            sandbox=sandbox,
            search_term=search_term,  # redacted by the writer
            target_customer_id=redact_card_numbers(target_customer_id),
        )
    except AuditWriteRefused:
        return RevCentRefused(REFUSED_MESSAGE)
    audit.api_call_completed(
        entry,
        outcome=AuditEntry.Outcome.REFUSED,
        duration_ms=0,
        message="Not sent: the request held a card number.",
    )
    return RevCentRefused(REFUSED_MESSAGE, audit_entry=entry)
