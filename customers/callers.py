"""Caller verification before acting on an existing customer (RevCent's guidance: check
a value from the RevCent record that the caller did not supply). Plain functions."""

from __future__ import annotations

import time

from django.contrib.auth.models import User

from customers import audit
from customers.audit import Actor
from customers.matching import normalize_email
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import CustomerDetail

VERIFIED_FOR_SECONDS = 15 * 60
CHECKS = {"zip": "ZIP code", "email": "Email address"}


def caller_answer_matches(*, detail: CustomerDetail, kind: str, answer: str) -> bool:
    if kind == "zip":
        expected = detail.contact.zip.replace(" ", "").casefold()
        return bool(expected) and answer.replace(" ", "").casefold() == expected
    if kind == "email":
        expected = normalize_email(detail.contact.email)
        return bool(expected) and normalize_email(answer) == expected
    return False


def caller_check(*, detail: CustomerDetail, kind: str, answer: str, actor: Actor) -> bool:
    """Check the caller's answer against RevCent's record, and audit the outcome. The answer
    itself is never recorded: it is the reply to a security question."""
    said = {"zip": "ZIP code", "email": "e-mail address"}[kind]
    matches = caller_answer_matches(detail=detail, kind=kind, answer=answer)
    audit.agent_action(
        action=(
            AuditEntry.Operation.CALLER_VERIFIED
            if matches
            else AuditEntry.Operation.CALLER_VERIFICATION_FAILED
        ),
        actor=actor,
        customer_id=detail.id,
        message=f"The caller's {said} {'matched' if matches else 'did not match'} RevCent's "
        "record.",
    )
    return matches


def caller_check_needed(*, customer_id: str, user: User) -> bool:
    """A customer this agent just created needs no check; anyone else's does."""
    return not CreateAttempt.objects.filter(
        customer_id=customer_id,
        user=user,
        state__in=[CreateAttempt.State.CREATED, CreateAttempt.State.VERIFIED],
    ).exists()


def caller_verified(store: dict, customer_id: str, *, now: float | None = None) -> bool:
    """Whether `store` (the agent's session) holds a recent verification for this customer."""
    at = store.get(customer_id)
    return at is not None and (now or time.time()) - at < VERIFIED_FOR_SECONDS
