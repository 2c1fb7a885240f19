"""Idempotency for creates: one submission key, at most one CreateCustomer call.

The rendered form carries a fresh key. The first request to insert that key into the
database (a unique column, so the database decides, across threads and app servers) owns
the create; any other request with the same key only reads the first one's outcome.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from customers.models import Campaign, CreateAttempt

RECENT = timedelta(hours=24)


def new_submission_key() -> uuid.UUID:
    return uuid.uuid4()


def attempt_for_key(key: uuid.UUID) -> CreateAttempt | None:
    return CreateAttempt.objects.filter(submission_key=key).select_related("campaign").first()


def attempt_claim(
    *,
    key: uuid.UUID,
    user,
    campaign: Campaign,
    payload: dict[str, Any],
    override_reason: str = "",
) -> tuple[CreateAttempt, bool]:
    """Record the attempt under its key. True if this call owns it (and may create)."""
    try:
        with transaction.atomic():
            attempt = CreateAttempt.objects.create(
                submission_key=key,
                user=user,
                campaign=campaign,
                payload=payload,
                email=payload["customer"]["email"].lower(),
                phone=payload["customer"].get("phone", ""),
                internal_id=payload.get("internal_customer_id", ""),
                last_name=payload["customer"]["last_name"].casefold(),
                override_reason=override_reason[:500],
            )
        return attempt, True
    except IntegrityError:
        return CreateAttempt.objects.get(submission_key=key), False


def recent_attempts(*, now=None):
    """Creates made through this app in the last 24 hours that may not be searchable yet."""
    since = (now or timezone.now()) - RECENT
    return CreateAttempt.objects.filter(created_at__gte=since).exclude(
        state=CreateAttempt.State.FAILED
    )


def recent_attempts_like(ids) -> QuerySet[CreateAttempt]:
    """Recent attempts sharing the e-mail (also without a +tag), phone, internal ID or last
    name with ids: the database narrows, the matching rules decide."""
    from customers.matching import email_without_tag

    wanted = Q()
    if ids.email:
        email = ids.email.strip().lower()
        local, _, domain = email_without_tag(email).partition("@")
        wanted |= Q(email=email) | Q(email__startswith=f"{local}+", email__endswith=f"@{domain}")
        wanted |= Q(email=f"{local}@{domain}")
    if ids.phone:
        wanted |= Q(phone=ids.phone)
    if ids.internal_id:
        wanted |= Q(internal_id=ids.internal_id)
    if ids.last_name:
        wanted |= Q(last_name=ids.last_name.strip().casefold())
    if not wanted:
        return CreateAttempt.objects.none()
    return recent_attempts().filter(wanted)
