"""Creates whose process died mid-call: found, and handed to reconciliation.

A create's attempt is "pending" only while a process is calling CreateCustomer for it; that
process holds identity claims (claims.py) until the outcome is recorded. A pending attempt
older than a create may take (RevCent's deadline plus a margin: claims.claim_ttl) that holds
no live claim was abandoned: its process was killed, or lost its database, while the call
was in flight. Whether RevCent made the customer is then unknown, exactly as after a
timeout, so the attempt becomes "unknown" and goes the same way: "Check RevCent again"
(reconcile.attempt_reconcile: RevCent's API-call log, then an e-mail search), or
`manage.py reconcile_attempts` for all of them. The create is never sent again.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from customers.creating.claims import Clock, claim_ttl, holds_live_claim
from customers.models import CreateAttempt

ABANDONED = (
    "The app stopped while RevCent was creating this customer, before its answer was "
    "recorded, so the customer may or may not exist. Do not create them again: check RevCent "
    "again, which looks for the create in RevCent's own records."
)


def attempt_abandoned(attempt: CreateAttempt, *, now: datetime) -> bool:
    """Pending for longer than a create may take, with no process working on it."""
    return (
        attempt.state == CreateAttempt.State.PENDING
        and attempt.created_at <= now - claim_ttl()
        and not holds_live_claim(attempt.submission_key, now=now)
    )


def attempt_mark_if_abandoned(
    attempt: CreateAttempt, *, clock: Clock = timezone.now
) -> CreateAttempt:
    """An abandoned attempt becomes "unknown" (and offers "Check RevCent again")."""
    now = clock()
    if not attempt_abandoned(attempt, now=now):
        return attempt
    # Conditional, so a create that does answer after all (its save) is never overwritten.
    CreateAttempt.objects.filter(pk=attempt.pk, state=CreateAttempt.State.PENDING).update(
        state=CreateAttempt.State.UNKNOWN, message=ABANDONED, updated_at=now
    )
    attempt.refresh_from_db()
    return attempt


def unsettled_attempts(*, clock: Clock = timezone.now) -> list[CreateAttempt]:
    """Every attempt whose outcome is unknown, abandoned ones included, oldest first."""
    now = clock()
    candidates: QuerySet[CreateAttempt] = CreateAttempt.objects.filter(
        state__in=[CreateAttempt.State.UNKNOWN, CreateAttempt.State.PENDING]
    ).select_related("user", "campaign")
    return [
        attempt
        for attempt in candidates.order_by("created_at", "pk")
        if attempt.state == CreateAttempt.State.UNKNOWN or attempt_abandoned(attempt, now=now)
    ]
