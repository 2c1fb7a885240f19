"""The RevCent note on every customer created here: who made it, and why if they overrode
a duplicate warning, for whoever opens the customer in RevCent's own dashboard.

A note is made at most once: when its CreateNote got no answer, GetCustomer's `notes` is
read before trying again.
"""

from __future__ import annotations

from customers.audit import Actor
from customers.cardguard.guard import redact_card_numbers
from customers.models import Channel, CreateAttempt
from customers.revcent import CustomerDetail, RevCentClient, RevCentError
from customers.revcent.contract import NOTE_TEXT_MAX

NOTE_REASON_MAX = 120


def note_text(attempt: CreateAttempt) -> str:
    """The note on every customer created here, for whoever opens it in RevCent's dashboard."""
    text = f"Created in Support Desk by {attempt.user.get_username()}"
    if attempt.channel == Channel.ASSISTANT:
        text += f" via assistant (token …{attempt.token_prefix[-4:]})"
    if attempt.override_reason:
        reason = " ".join(attempt.override_reason.split())
        if len(reason) > NOTE_REASON_MAX:
            reason = reason[: NOTE_REASON_MAX - 1].rstrip() + "…"
        text += f" (duplicate override: {reason})"
    # The forms refuse card numbers; the note must never carry one whatever happens.
    return redact_card_numbers(text)[:NOTE_TEXT_MAX]


def attempt_note(*, attempt: CreateAttempt, client: RevCentClient, actor: Actor) -> CreateAttempt:
    """CreateNote once for a created customer. A failure never fails or repeats the create:
    the note stays missing, and the customer page says so."""
    if attempt.note_id or not attempt.customer_id:
        return attempt
    try:
        created = client.create_note(attempt.customer_id, note_text(attempt), actor=actor)
    except RevCentError:
        return attempt  # audited by the client; shown as missing on the customer page
    attempt.note_id = created.id
    attempt.save(update_fields=["note_id", "updated_at"])
    return attempt


def attempt_note_found(*, attempt: CreateAttempt, detail: CustomerDetail) -> CreateAttempt:
    """Record the note if GetCustomer shows it (say, after a CreateNote with no answer)."""
    if attempt.note_id or detail.id != attempt.customer_id:
        return attempt
    expected = note_text(attempt)
    found = next((note for note in detail.notes if note.text == expected), None)
    if found is not None:
        attempt.note_id = found.id or "(found)"
        attempt.save(update_fields=["note_id", "updated_at"])
    return attempt


def attempt_note_retry(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor
) -> CreateAttempt:
    """Add a missing note: look in RevCent first, so a note is never made twice."""
    if attempt.note_id or not attempt.customer_id:
        return attempt
    detail = client.get_customer(attempt.customer_id, actor=actor)
    attempt = attempt_note_found(attempt=attempt, detail=detail)
    return attempt_note(attempt=attempt, client=client, actor=actor)
