"""A create attempt from claim to verified customer: the one place for its lifecycle.

Idempotency: the rendered form carries a fresh submission key. The first request to insert
that key into the database (a unique column, so the database decides, across threads and
app servers) owns the create; any other request with the same key only reads the first
one's outcome. Creates for one person take turns (claims.py), so two forms for the same
e-mail, phone or internal ID never both create. A create with no answer, or whose process
died mid-call (recovery.py), is reconciled (reconcile.py: RevCent's API-call log, then a
search for the e-mail), never sent again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.audit import Actor
from customers.creating import reconcile
from customers.creating.claims import identities_claimed
from customers.creating.duplicates import (
    DuplicateReport,
    attempts_like,
    duplicate_check,
    duplicate_gate_record,
    duplicate_override_record,
    duplicate_recheck,
    identifiers_from_payload,
    searches_forget,
    unseen_strong,
)
from customers.creating.notes import attempt_note, attempt_note_found
from customers.matching import identity_keys, normalize_email, normalize_internal_id
from customers.models import Campaign, Channel, CreateAttempt
from customers.revcent import (
    CustomerDetail,
    RevCentClient,
    RevCentError,
    RevCentOutcomeUnknown,
)
from customers.revcent.contract import CreateCustomerBody


@dataclass(frozen=True)
class Submission:
    """Where a create submission ended: at an attempt, or at the duplicate gate (report)."""

    attempt: CreateAttempt | None = None
    report: DuplicateReport | None = None


def customer_create_submit(
    *,
    key: uuid.UUID,
    user: User,
    campaign: Campaign,
    payload: CreateCustomerBody,
    override_reason: str,
    client: RevCentClient,
    actor: Actor,
) -> Submission:
    """Search → the person's turn → gate → claim → create, then the note, for one submission.

    Creates for one person (same e-mail, phone or internal ID) take turns (claims.py), and
    the duplicate gate is decided inside the turn, with this app's own creates read afresh:
    of agents who typed one person at once, the first creates and the others land on the
    gate naming that customer, even before RevCent's search shows it. The gate stops the
    create on a strong match, or when RevCent could not be searched, unless the agent gave
    an override reason (which covers what their search found, not a customer made since).
    RevCent is searched before the turn, so a turn lasts one CreateCustomer call at most.
    Raises IdentityBusy if the person stays claimed for longer than a create may take.
    """
    ids = identifiers_from_payload(payload)
    # A second request of a form that was sent already ends at that one's outcome, before
    # RevCent is searched; the same read brings this app's recent creates like the person.
    existing, recent = attempts_like(ids, key)
    if existing is not None:
        return Submission(attempt=existing)
    searched = duplicate_check(ids, client=client, actor=actor, recent=recent)
    with identities_claimed(identity_keys(ids), holder=key):
        # Another request of this form may have had its turn first: its outcome is ours.
        existing, report = duplicate_recheck(ids, searched, key=key)
        if existing is not None:
            return Submission(attempt=existing)
        if report.strong or not report.complete:
            if not override_reason or unseen_strong(report, seen=searched):
                duplicate_gate_record(actor=actor, report=report)
                return Submission(report=report)
        else:
            override_reason = ""
        attempt, owned = attempt_claim(
            key=key,
            user=user,
            campaign=campaign,
            payload=payload,
            override_reason=override_reason,
            actor=actor,
        )
        if owned:
            attempt = attempt_create(attempt=attempt, client=client, actor=actor)
            searches_forget(ids)  # whatever became of it, the cached "no match" is stale
    # Out of the person's turn: the outcome is recorded, and what follows (the note, or
    # finding out about a create that got no answer) makes no second customer.
    if owned:
        attempt = attempt_follow_up(attempt=attempt, client=client, actor=actor)
        if override_reason:
            # After the create: the decision is recorded with what came of it, and sits on
            # the new customer's own timeline.
            duplicate_override_record(
                actor=actor, reason=override_reason, report=report, attempt=attempt
            )
    return Submission(attempt=attempt)


def attempt_claim(
    *,
    key: uuid.UUID,
    user: User,
    campaign: Campaign,
    payload: CreateCustomerBody,
    override_reason: str = "",
    actor: Actor | None = None,
) -> tuple[CreateAttempt, bool]:
    """Record the attempt under its key. True if this call owns it (and may create)."""
    try:
        with transaction.atomic():
            attempt = CreateAttempt.objects.create(
                submission_key=key,
                user=user,
                campaign=campaign,
                payload=payload,
                email=normalize_email(payload["customer"]["email"]),
                phone=payload["customer"].get("phone", ""),
                internal_id=normalize_internal_id(payload.get("internal_customer_id", "")),
                last_name=payload["customer"]["last_name"].casefold(),
                override_reason=override_reason[:500],
                channel=actor.channel if actor else Channel.WEB,
                token_prefix=actor.token_prefix if actor else "",
            )
        return attempt, True
    except IntegrityError:
        return CreateAttempt.objects.get(submission_key=key), False


def attempt_for_customer(customer_id: str) -> CreateAttempt | None:
    """The newest attempt here that made this customer, if any."""
    # With its user, whose name the customer page shows (the note's text).
    return (
        CreateAttempt.objects.filter(customer_id=customer_id)
        .select_related("user")
        .order_by("-created_at")
        .first()
    )


def attempt_create(*, attempt: CreateAttempt, client: RevCentClient, actor: Actor) -> CreateAttempt:
    """Call CreateCustomer once for a claimed attempt and record what happened."""
    try:
        created = client.create_customer(attempt.payload, actor=actor)
    except RevCentOutcomeUnknown as exc:
        attempt.state = CreateAttempt.State.UNKNOWN
        attempt.message = exc.message
        attempt.create_api_call_id = exc.api_call_id
        attempt.save()
        return attempt
    except RevCentError as exc:
        attempt.state = CreateAttempt.State.FAILED
        attempt.message = exc.message
        attempt.create_api_call_id = exc.api_call_id
        attempt.save()
        return attempt
    attempt.state = CreateAttempt.State.CREATED
    attempt.customer_id = created.customer_id
    attempt.create_api_call_id = created.api_call_id
    attempt.message = ""
    attempt.save()
    return attempt


def attempt_follow_up(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor
) -> CreateAttempt:
    """After the create: the note on a new customer; for a create that got no answer,
    finding out whether it made one."""
    if attempt.state == CreateAttempt.State.UNKNOWN:
        return reconcile.attempt_reconcile(attempt=attempt, client=client, actor=actor)
    return attempt_note(attempt=attempt, client=client, actor=actor)


def attempt_verify(*, attempt: CreateAttempt, detail: CustomerDetail) -> CreateAttempt:
    """GetCustomer answered for the new customer: it exists, so the create is verified; and
    a note whose answer was lost shows in its `notes`."""
    if attempt.state == CreateAttempt.State.CREATED:
        attempt.state = CreateAttempt.State.VERIFIED
        attempt.verified_at = timezone.now()
        attempt.verify_api_call_id = detail.api_call_id
        attempt.save(update_fields=["state", "verified_at", "verify_api_call_id", "updated_at"])
    return attempt_note_found(attempt=attempt, detail=detail)
