"""Caller verification before acting on an existing customer (RevCent's guidance: check
a value from the RevCent record that the caller did not supply). Plain functions."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from customers import audit
from customers.audit import Actor
from customers.matching import normalize_email
from customers.models import AuditEntry, CreateAttempt
from customers.ratelimit import count_up
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


def _lower_first(label: str) -> str:
    # "E-mail address" -> "e-mail address", but "ZIP code" keeps its capitals.
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


def caller_verified(store: dict, customer_id: str, *, now: float | None = None) -> bool:
    """Whether `store` (the agent's session) holds a recent verification for this customer."""
    at = store.get(customer_id)
    return at is not None and (now or time.time()) - at < VERIFIED_FOR_SECONDS


# --- Throttling wrong answers ---------------------------------------------------------------
# In the shared cache, so the limit holds across app servers. A window opens at the first
# answer and lasts 15 minutes; its counter is keyed by the window's start, so an old count
# never leaks into a new window. The window is read from the stored start and the caller's
# clock, not from the cache's expiry (which only tidies up), so tests can move the clock.
@dataclass(frozen=True)
class _Reservation:
    key: str
    retry_at: float | None  # set when the answer is refused: when the agent may try again


def _reserve(*, user_id: int, customer_id: str, now: float) -> _Reservation:
    """Count one answer before it is checked, so a burst of parallel answers cannot all
    slip under the limit; a right answer gives its place back (_release)."""
    base = f"caller-check:{user_id}:{customer_id}"
    ttl = WRONG_ANSWER_WINDOW_SECONDS + 60
    since = cache.get(f"{base}:since")
    if since is None or now - since >= WRONG_ANSWER_WINDOW_SECONDS:
        if since is None:
            cache.add(f"{base}:since", now, timeout=ttl)
        else:
            cache.set(f"{base}:since", now, timeout=ttl)
        since = cache.get(f"{base}:since", now)
    key = f"{base}:{since!r}"
    if count_up(key, timeout=ttl) > WRONG_ANSWERS_ALLOWED:
        return _Reservation(key, since + WRONG_ANSWER_WINDOW_SECONDS)
    return _Reservation(key, None)


def _release(reservation: _Reservation) -> None:
    # The window may have been tidied away meanwhile: then there is nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(reservation.key)


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
    reservation = _reserve(user_id=user.pk, customer_id=customer_id, now=now)
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
        _release(reservation)
        return CallerVerification(False, f"Could not check the caller: {exc.message}")
    if caller_check(detail=detail, kind=kind, answer=answer, actor=actor):
        _release(reservation)
        return CallerVerification(True, f"Caller verified by {_lower_first(label)}.")
    return CallerVerification(
        False,
        f"That {_lower_first(label)} does not match RevCent's record. Do not act for this caller.",
    )
