"""Creating a customer: the duplicate panel, the create itself, and an attempt's follow-ups
(see where it stands, check RevCent again, add the missing note).

Each function is one agent action that enforces its own rules (customers/actions/rules.py);
the work itself stays in customers/creating/ (attempts.py, duplicates.py, notes.py).
"""

from __future__ import annotations

import uuid

from customers import ratelimit
from customers.actions.rules import (
    ActionRefused,
    NotFound,
    OverLimit,
    refuse_card_numbers,
    require,
)
from customers.audit import Actor
from customers.creating import attempts, reconcile, recovery
from customers.creating.claims import IdentityBusy
from customers.creating.duplicates import (
    DuplicateReport,
    duplicate_check,
    duplicate_match_used_record,
)
from customers.creating.notes import attempt_note_retry
from customers.matching import Identifiers
from customers.models import Campaign, CreateAttempt
from customers.revcent import RevCentClient, get_client
from customers.revcent.contract import CreateCustomerBody
from customers.team.roles import CREATE

PERSON_BUSY = (
    "Another create for this e-mail, phone or internal ID is still running, so nothing was "
    "created. Submit again in a minute: the duplicate check will then show that customer."
)


class PersonBusy(ActionRefused):
    code = "person_busy"


def duplicates_find(
    *, actor: Actor, ids: Identifiers, client: RevCentClient | None = None
) -> DuplicateReport:
    """RevCent's and this app's customers like the one being typed (the live panel)."""
    require(actor, CREATE)
    refuse_card_numbers(actor, {"identifiers": ids})
    assert actor.user is not None
    if ratelimit.count_search_over_limit(actor.user.pk):
        raise OverLimit("Too many searches this minute; the panel pauses.", retry_after=60)
    return duplicate_check(ids, client=client or get_client(), actor=actor, use_cache=True)


def duplicate_match_used(*, actor: Actor, customer_id: str) -> None:
    """The agent took the duplicate gate's Use: went to the existing customer it named.
    Only someone who may create faces the gate; for anyone else the link records nothing."""
    if actor.has_perm(CREATE):
        duplicate_match_used_record(actor=actor, customer_id=customer_id)


def customer_create(
    *,
    actor: Actor,
    key: uuid.UUID,
    campaign: Campaign,
    payload: CreateCustomerBody,
    override_reason: str = "",
    client: RevCentClient | None = None,
) -> attempts.Submission:
    """Search → the person's turn → gate → CreateCustomer once → note (creating/attempts.py).

    `key` makes a resubmission of the same proposal or form land on the first outcome.
    """
    require(actor, CREATE)
    refuse_card_numbers(actor, {"customer": payload, "override reason": override_reason})
    if not campaign.active:
        raise ActionRefused("That campaign is no longer active. Choose another.")
    assert actor.user is not None
    try:
        return attempts.customer_create_submit(
            key=key,
            user=actor.user,
            campaign=campaign,
            payload=payload,
            override_reason=override_reason,
            client=client or get_client(),
            actor=actor,
        )
    except IdentityBusy as exc:
        raise PersonBusy(PERSON_BUSY) from exc


def attempt_own(*, actor: Actor, key: uuid.UUID) -> CreateAttempt:
    """The actor's own attempt (any, for an admin), or NotFound."""
    require(actor, CREATE)
    attempt = CreateAttempt.objects.filter(submission_key=key).first()
    assert actor.user is not None
    if attempt is None or (attempt.user_id != actor.user.pk and not actor.user.is_superuser):
        raise NotFound("No such attempt.")
    return attempt


def attempt_status(*, actor: Actor, key: uuid.UUID) -> CreateAttempt:
    """Where the actor's attempt stands: marked "unknown" if its process died mid-call."""
    return recovery.attempt_mark_if_abandoned(attempt_own(actor=actor, key=key))


def attempt_check_again(
    *, actor: Actor, key: uuid.UUID, client: RevCentClient | None = None
) -> CreateAttempt:
    """Find out what became of a create that got no answer (never sends it again)."""
    attempt = attempt_own(actor=actor, key=key)
    return reconcile.attempt_reconcile(attempt=attempt, client=client or get_client(), actor=actor)


def attempt_note_add(
    *, actor: Actor, key: uuid.UUID, client: RevCentClient | None = None
) -> CreateAttempt:
    """Add the RevCent note a create could not add at the time (never a second one).
    Raises RevCentError if RevCent cannot be asked."""
    attempt = attempt_own(actor=actor, key=key)
    return attempt_note_retry(attempt=attempt, client=client or get_client(), actor=actor)
