"""Caller verification before acting on an existing customer (RevCent's guidance: check
a value from the RevCent record that the caller did not supply). Plain functions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from customers import audit, ratelimit
from customers.audit import Actor
from customers.existing.visits import VerifiedCaller
from customers.matching import normalize_email
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import CustomerDetail, RevCentClient, RevCentError

VERIFIED_FOR_SECONDS = 15 * 60
CHECKS = {"zip": "ZIP code", "email": "Email address"}
# Wrong answers per agent and customer: a caller who knows the answer needs one or two
# tries; guessing ZIP codes needs thousands.
WRONG_ANSWERS_ALLOWED = 5
WRONG_ANSWER_WINDOW_SECONDS = 15 * 60


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


def _in_sentence(label: str) -> str:
    """A label as a sentence reads it: "E-mail address" -> "e-mail address", but an
    acronym keeps its capitals ("ZIP code")."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


# The states of an attempt whose customer exists in RevCent.
_MADE = (CreateAttempt.State.CREATED, CreateAttempt.State.VERIFIED)


def caller_check_needed(
    *, customer_id: str, user: User, newest: CreateAttempt | None = None
) -> bool:
    """A customer this agent just created needs no check; anyone else's does.

    `newest`, when the caller has it, is the newest attempt that made this customer: when it
    is this agent's own, that settles it without a query.
    """
    if newest is not None and newest.user_id == user.pk and newest.state in _MADE:
        return False
    return not CreateAttempt.objects.filter(
        customer_id=customer_id,
        user=user,
        state__in=_MADE,
    ).exists()


def caller_verified(*, user: User, customer_id: str, now: datetime | None = None) -> bool:
    """Whether this agent verified this customer's caller in the last 15 minutes."""
    since = (now or timezone.now()) - timedelta(seconds=VERIFIED_FOR_SECONDS)
    return VerifiedCaller.objects.filter(
        user=user, customer_id=customer_id, verified_at__gt=since
    ).exists()


def caller_verified_record(*, user: User, customer_id: str, now: datetime | None = None) -> None:
    """Remember the verification (one upsert), for every channel this agent works in."""
    VerifiedCaller.objects.bulk_create(
        [VerifiedCaller(user=user, customer_id=customer_id, verified_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "customer_id"],
        update_fields=["verified_at"],
    )


def callers_forget(user: User) -> None:
    """Signing out ends the agent's verifications, as the end of a phone call would."""
    VerifiedCaller.objects.filter(user=user).delete()


def _clock_time(unix: float) -> str:
    return f"{timezone.localtime(datetime.fromtimestamp(unix, tz=UTC)):%H:%M}"


@dataclass(frozen=True)
class CallerVerification:
    verified: bool
    message: str  # for the agent


def caller_verify(
    *,
    customer_id: str,
    kind: str,
    answer: str,
    user: User,
    client: RevCentClient,
    actor: Actor,
    now: float | None = None,
) -> CallerVerification:
    """Check the caller's answer against RevCent's record, within the wrong-answer limit.
    Every outcome is audited; a refused answer is not checked at all."""
    now = time.time() if now is None else now
    label = CHECKS[kind]
    # Counted before the answer is checked, so a burst of parallel answers cannot all slip
    # under the limit; a right answer gives its place back.
    reservation = ratelimit.reserve(
        f"caller-check:{user.pk}:{customer_id}",
        limit=WRONG_ANSWERS_ALLOWED,
        window=WRONG_ANSWER_WINDOW_SECONDS,
        now=now,
    )
    if reservation.retry_at is not None:
        until = _clock_time(reservation.retry_at)
        audit.agent_action(
            action=AuditEntry.Operation.CALLER_VERIFICATION_FAILED,
            actor=actor,
            customer_id=customer_id,
            message=(
                f"The caller's {label} was not checked: {WRONG_ANSWERS_ALLOWED} wrong answers "
                f"in 15 minutes, so the next try is allowed from {until}."
            ),
        )
        minutes = max(1, round((reservation.retry_at - now) / 60))
        return CallerVerification(
            False,
            f"Too many wrong answers for this customer ({WRONG_ANSWERS_ALLOWED} in 15 "
            f"minutes). The answer was not checked. You can try again at {until} (in "
            f"{minutes} minute{'s' if minutes != 1 else ''}). Do not act for this caller.",
        )
    try:
        detail = client.get_customer(customer_id, actor=actor)
    except RevCentError as exc:
        ratelimit.release(reservation)
        return CallerVerification(False, f"Could not check the caller: {exc.message}")
    if caller_check(detail=detail, kind=kind, answer=answer, actor=actor):
        ratelimit.release(reservation)
        caller_verified_record(user=user, customer_id=customer_id)
        return CallerVerification(True, f"Caller verified by {_in_sentence(label)}.")
    return CallerVerification(
        False,
        f"That {_in_sentence(label)} does not match RevCent's record. Do not act for this caller.",
    )
