"""Finding out what a create that got no answer did: made a customer, or never arrived.

The create is never sent again. The evidence, in order:

1. RevCent's own API-call log (GetAPICalls) for the attempt's window: the creates that
   arrived then, each read back (GetCustomer) to find the one with this attempt's e-mail.
2. A search for the e-mail: a customer with it, made since the attempt began.

"Created" needs one customer found by either. "Not created" needs both: the log covers the
whole window (every page read, the window over, every create in it named and read back)
and none of its creates made this customer, and the search finds no customer with the
e-mail made since. Anything less stays "unknown", with the reason, for a later try or a
person. A search hit without a creation time is never taken for this create: it may be
any older customer with that e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from customers.audit import Actor
from customers.creating.api_call_log import log_customers_made, log_gaps
from customers.creating.claims import Clock, claim_ttl
from customers.creating.notes import attempt_note
from customers.creating.recovery import attempt_mark_if_abandoned
from customers.matching import normalize_email
from customers.models import CreateAttempt
from customers.revcent import (
    PAGE_LIMIT_MAX,
    ApiCallRecord,
    RevCentClient,
    RevCentError,
)

# A customer found after an unanswered create counts as "ours" if RevCent says it was
# created no earlier than this before the attempt (clocks differ a little); the API-call log
# is read this much either side of the time the create could have arrived.
CLOCK_SKEW = timedelta(minutes=10)
# How many customers made in the attempt's window are read back to find ours.
API_LOG_MAX_CANDIDATES = 5
API_LOG_MAX_PAGES = 4
# The last step when RevCent's answer stays unclear.
_STILL_UNSURE = "If it is still unclear after a few tries, tell an admin."

NOT_CREATED = (
    "RevCent never received this create: its API-call log for the minutes around it shows no "
    "create that made this customer, and a search for the e-mail finds none made since. "
    "Nothing was created, so it is safe to submit it again."
)

_SETTLED_BY = {
    CreateAttempt.SettledBy.API_CALL_LOG: "its API-call log shows it arrived and made this "
    "customer",
    CreateAttempt.SettledBy.EMAIL_SEARCH: "a search for the e-mail found the customer: it was "
    "created",
}


@dataclass(frozen=True)
class Reconciled:
    """Where reconciling one attempt ended: `why` says what kept it unknown (no e-mail in
    it: it is printed by `reconcile_attempts`), `revcent_down` that RevCent did not answer."""

    attempt: CreateAttempt
    why: str = ""
    revcent_down: bool = False


@dataclass(frozen=True)
class _LogReading:
    customer_id: str = ""  # the customer the log shows this create made
    none_arrived: bool = False  # the log covers the window and no create in it was ours
    gap: str = ""  # why the log settles neither way
    down: bool = False
    settles_after: datetime | None = None  # when the log will cover the whole window


def attempt_reconcile(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor, clock: Clock = timezone.now
) -> CreateAttempt:
    """After an unanswered create: find out from RevCent whether the customer exists."""
    return attempt_reconcile_explained(
        attempt=attempt, client=client, actor=actor, clock=clock
    ).attempt


def attempt_reconcile_explained(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor, clock: Clock = timezone.now
) -> Reconciled:
    """attempt_reconcile, saying why an attempt stays unknown (see the module's docstring)."""
    # A create whose process died mid-call is as unknown as one that timed out.
    attempt = attempt_mark_if_abandoned(attempt, clock=clock)
    if attempt.state != CreateAttempt.State.UNKNOWN:
        return Reconciled(attempt)
    log = _read_api_call_log(attempt=attempt, client=client, now=clock(), actor=actor)
    if log.customer_id:
        return Reconciled(
            _attempt_settled(
                attempt,
                customer_id=log.customer_id,
                by=CreateAttempt.SettledBy.API_CALL_LOG,
                client=client,
                actor=actor,
            )
        )
    try:
        result = client.search_customers(attempt.email, actor=actor)
    except RevCentError:
        attempt.message = (
            "RevCent did not answer the create, and its search did not answer when we checked, "
            "so the customer may or may not exist. Do not create them again: wait a minute, "
            f"then check RevCent again. {_STILL_UNSURE}"
        )
        attempt.save()
        return Reconciled(attempt, why="RevCent's search did not answer", revcent_down=True)
    since = attempt.created_at - CLOCK_SKEW
    taken = _customers_of_other_attempts(attempt)
    same_email = [
        hit
        for hit in result.hits
        if normalize_email(hit.contact.email) == attempt.email and hit.id not in taken
    ]
    # Only a hit RevCent dates to since the attempt began can be this create's.
    found = [hit.id for hit in same_email if hit.created is not None and hit.created >= since]
    undated = [hit.id for hit in same_email if hit.created is None]
    if len(found) == 1:
        return Reconciled(
            _attempt_settled(
                attempt,
                customer_id=found[0],
                by=CreateAttempt.SettledBy.EMAIL_SEARCH,
                client=client,
                actor=actor,
            )
        )
    if found:
        attempt.message = (
            f"RevCent did not answer the create, and since then {len(found)} customers with "
            f"this e-mail were created ({', '.join(found)}), so this one may be among them. "
            "Do not create another: open each by its ID to find the right one, and tell an "
            "admin which one it is."
        )
        attempt.save()
        return Reconciled(attempt, why=f"{len(found)} customers may be this create's")
    if log.none_arrived:
        return Reconciled(_attempt_not_created(attempt))
    why = log.gap
    attempt.message = (
        "RevCent did not answer the create, and a search does not find the customer yet, "
        "so it was probably not created; but RevCent's search can lag a little. Do not "
        f"create them again yet: wait a minute, then check RevCent again. {_STILL_UNSURE}"
    )
    if log.settles_after is not None:
        # Said plainly: before this time no answer can be "not created".
        after = timezone.localtime(log.settles_after)
        attempt.message = (
            "RevCent did not answer the create, and a search does not find the customer yet, "
            "so it was probably not created. Do not create them again yet: RevCent's records "
            f"can tell for sure after {after:%H:%M}; check RevCent again then."
        )
    if undated:
        # The old reading took such a hit for this create; it may be any older customer.
        attempt.message = (
            "RevCent did not answer the create. A search finds a customer with this e-mail "
            f"({', '.join(undated)}) but does not say when it was made, so it may be an older "
            "one. Do not create them again yet: open it by its ID, or check RevCent again in "
            f"a minute. {_STILL_UNSURE}"
        )
        why = f"{why}; a customer with this e-mail, undated, may be older"
    attempt.save()
    return Reconciled(attempt, why=why, revcent_down=log.down)


def _attempt_settled(
    attempt: CreateAttempt,
    *,
    customer_id: str,
    by: CreateAttempt.SettledBy,
    client: RevCentClient,
    actor: Actor,
) -> CreateAttempt:
    """An unanswered create turned out to have made customer_id: record it, and the note."""
    attempt.state = CreateAttempt.State.CREATED
    attempt.customer_id = customer_id
    attempt.settled_by = by
    attempt.message = (
        f"RevCent did not answer the create, but {_SETTLED_BY[by]}. No second customer was "
        "made, and there is nothing to do again: check the details below."
    )
    attempt.save()
    return attempt_note(attempt=attempt, client=client, actor=actor)


def _attempt_not_created(attempt: CreateAttempt) -> CreateAttempt:
    """The create never reached RevCent: it failed, like a create RevCent refused. A failed
    attempt is no duplicate of its person (recent_creates.py), and its form, submitted again,
    comes back under a fresh key: the agent may create the customer after all."""
    attempt.state = CreateAttempt.State.FAILED
    attempt.settled_by = CreateAttempt.SettledBy.API_CALL_LOG
    attempt.message = NOT_CREATED
    attempt.save()
    return attempt


def _customers_of_other_attempts(attempt: CreateAttempt) -> set[str]:
    """Customers that other attempts here already made: never this attempt's answer."""
    others = CreateAttempt.objects.exclude(pk=attempt.pk).exclude(customer_id="")
    since = attempt.created_at - CLOCK_SKEW
    return set(
        others.filter(email=attempt.email, created_at__gte=since).values_list(
            "customer_id", flat=True
        )
    )


def _read_api_call_log(
    *, attempt: CreateAttempt, client: RevCentClient, now: datetime, actor: Actor
) -> _LogReading:
    """What RevCent's API-call log says about this attempt's create."""
    # The create was sent, if at all, within a create's time (claims.claim_ttl) of the
    # attempt being recorded; the skew allows for RevCent's clock.
    start = attempt.created_at - CLOCK_SKEW
    end = attempt.created_at + claim_ttl() + CLOCK_SKEW
    records: list[ApiCallRecord] = []
    complete = False
    try:
        for page in range(1, API_LOG_MAX_PAGES + 1):
            batch = client.get_api_calls(
                date_start=int(start.timestamp()),
                date_end=int(min(end, now).timestamp()),
                page=page,
                actor=actor,
            )
            records += batch
            if len(batch) < PAGE_LIMIT_MAX:
                complete = True
                break
        # The log does not say whose create each was (other agents create too): read the
        # customers it made in the window and keep the one with this attempt's e-mail.
        taken = _customers_of_other_attempts(attempt)
        candidates = [c for c in log_customers_made(records) if c not in taken]
        ours = []
        for customer_id in candidates[:API_LOG_MAX_CANDIDATES]:
            detail = client.get_customer(customer_id, actor=actor)
            if normalize_email(detail.contact.email) == attempt.email:
                ours.append(customer_id)
    except RevCentError:
        # The e-mail search is next; it alone can say "created", never "not created".
        return _LogReading(gap="RevCent's API-call log did not answer", down=True)
    if len(ours) == 1:
        return _LogReading(customer_id=ours[0])
    if ours:
        return _LogReading(gap=f"its API-call log shows {len(ours)} customers that may be it")
    if not complete:
        return _LogReading(gap="its API-call log holds more calls in the window than were read")
    if now < end:
        return _LogReading(
            gap=f"the window its create could arrive in is not over until {end:%H:%M:%S %Z}",
            settles_after=end,
        )
    gaps = log_gaps(records)
    if gaps:
        return _LogReading(gap=gaps[0])
    if len(candidates) > API_LOG_MAX_CANDIDATES:
        return _LogReading(
            gap=f"its API-call log shows {len(candidates)} creates, more than were read back"
        )
    return _LogReading(none_arrived=True)
