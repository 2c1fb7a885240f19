"""Asserting on the audit trail: which rows a request left, oldest first."""

from __future__ import annotations

from customers.models import AuditEntry

Operation = AuditEntry.Operation
Outcome = AuditEntry.Outcome


def audit_rows(**filters) -> list[AuditEntry]:
    """The audit rows matching filters (e.g. operation=..., outcome=...), oldest first."""
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def assert_audited(operation: Operation, *, count: int = 1, **filters) -> list[AuditEntry]:
    """Exactly `count` rows of `operation` (matching filters); returns them, oldest first.

    On failure the message lists the whole trail, which usually says what happened instead.
    """
    rows = audit_rows(operation=operation, **filters)
    if len(rows) != count:
        trail = [(row.operation, row.outcome) for row in audit_rows()]
        raise AssertionError(
            f"{len(rows)} {operation} row(s) matching {filters}, expected {count}; "
            f"the trail: {trail}"
        )
    return rows


def open_call(user, operation: Operation = Operation.CREATE_CUSTOMER) -> AuditEntry:
    """An API call's row as the app writes it just before sending: open, outcome unknown."""
    from customers import audit

    return audit.api_call_started(
        operation=operation,
        http_method="POST" if operation == Operation.CREATE_CUSTOMER else "GET",
        path="/customer",
        actor=audit.Actor(user=user),
        sandbox=True,
    )
