"""The create-customer workflow: search → create → verify, and reconcile when unsure.

Services take plain values and the RevCent client, never a request; views call them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from customers import attempts, audit
from customers.audit import Actor
from customers.cardguard import redact_card_numbers
from customers.forms import SOURCE_METADATA
from customers.matching import Candidate, Identifiers, Match, match_all, normalize_email
from customers.models import Campaign, CreateAttempt
from customers.revcent import (
    CUSTOMER_KEYS,
    GROUPS_PAGE_LIMIT,
    PAGE_LIMIT_MAX,
    REVCENT_ID,
    CustomerDetail,
    CustomerGroup,
    RevCentClient,
    RevCentError,
    RevCentOutcomeUnknown,
    SearchResult,
)
from customers.revcent.contract import NOTE_TEXT_MAX

# A customer found after an unanswered create counts as "ours" if RevCent says it was
# created no earlier than this before the attempt (clocks differ a little).
CLOCK_SKEW = timedelta(minutes=10)


def customer_payload(
    *,
    campaign: Campaign,
    customer: dict[str, str],
    bill_to: dict[str, str] | None,
    internal_customer_id: str,
    metadata: list[tuple[str, str]],
) -> dict[str, Any]:
    """The CreateCustomer body (customers/revcent/contract.py): only filled fields, never
    `payment`."""
    body: dict[str, Any] = {"campaign": campaign.revcent_id, "customer": customer}
    if bill_to:
        body["bill_to"] = bill_to
    if internal_customer_id:
        body["internal_customer_id"] = internal_customer_id
    body["metadata"] = [
        {"name": name, "value": value} for name, value in [SOURCE_METADATA, *metadata]
    ]
    return body


# --- Duplicates ---------------------------------------------------------------------------------
@dataclass
class DuplicateReport:
    matches: list[Match] = field(default_factory=list)
    # Terms whose search hit RevCent's 10-result cap: there may be more matches.
    capped: list[str] = field(default_factory=list)
    # Terms that could not be searched (RevCent did not answer): the check is incomplete.
    failed: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)

    @property
    def strong(self) -> list[Match]:
        return [m for m in self.matches if m.strong]

    @property
    def complete(self) -> bool:
        return not self.failed


# The contact fields a Candidate carries, read the same way from a hit or a payload.
_CANDIDATE_FIELDS = ("first_name", "last_name", "email", "phone", "city", "state", "zip", "country")


def _candidate(contact: dict[str, str], **extra) -> Candidate:
    return Candidate(**{key: contact.get(key, "") for key in _CANDIDATE_FIELDS}, **extra)


def _hit_candidates(result: SearchResult) -> list[Candidate]:
    return [
        _candidate(
            asdict(hit.contact),
            customer_id=hit.id,
            internal_id=hit.internal_id,
            created=hit.created,
        )
        for hit in result.hits
    ]


def _attempt_candidates(ids: Identifiers, exclude_key=None) -> list[Candidate]:
    """This app's creates of the last 24 hours that share an identifier with ids."""
    candidates = []
    for attempt in attempts.recent_attempts_like(ids).select_related("user")[:50]:
        if exclude_key and attempt.submission_key == exclude_key:
            continue
        customer = attempt.payload.get("customer", {})
        note = (
            f"Created here by {attempt.user.get_username()}"
            if attempt.customer_id
            else f"Create attempt by {attempt.user.get_username()}: {attempt.get_state_display()}"
        )
        candidates.append(
            _candidate(
                customer,
                customer_id=attempt.customer_id,
                internal_id=attempt.payload.get("internal_customer_id", ""),
                created=attempt.created_at,
                source="recent",
                note=note,
            )
        )
    return candidates


SEARCH_CACHE_SECONDS = 60


def _cache_key(term: str) -> str:
    # Hashed: the cache's keys show up in monitoring tools; the customer's e-mail should not.
    digest = hashlib.sha256(term.strip().casefold().encode()).hexdigest()
    return f"revcent-search:v1:{digest}"


def search_terms(
    terms: list[str], *, client: RevCentClient, actor: Actor, use_cache: bool
) -> dict[str, SearchResult | RevCentError]:
    """SearchCustomers for each term at once; with use_cache, identical searches made in
    the last minute (by anyone, on any app server) are answered from the shared cache."""
    results: dict[str, SearchResult | RevCentError] = {}
    if use_cache:
        cached = cache.get_many([_cache_key(term) for term in terms])
        for term in terms:
            if _cache_key(term) in cached:
                results[term] = cached[_cache_key(term)]
    missing = [term for term in terms if term not in results]
    if missing:
        fresh = client.search_customers_many(missing, actor=actor)
        results.update(fresh)
        if use_cache:
            cache.set_many(
                {
                    _cache_key(term): result
                    for term, result in fresh.items()
                    if isinstance(result, SearchResult)
                },
                timeout=SEARCH_CACHE_SECONDS,
            )
    return {term: results[term] for term in terms}


def duplicate_check(
    ids: Identifiers,
    *,
    client: RevCentClient,
    actor: Actor,
    exclude_key=None,
    use_cache: bool = False,
) -> DuplicateReport:
    """Search RevCent for every identifier at once, add this app's recent creates, match.

    The submit-time gate searches afresh (use_cache=False): it is the last check before a
    create. The live panel, refreshed as the agent types, uses the cache.
    """
    report = DuplicateReport(searched=ids.search_terms())
    candidates: list[Candidate] = []
    if report.searched:
        found = search_terms(report.searched, client=client, actor=actor, use_cache=use_cache)
        for term, result in found.items():
            if isinstance(result, RevCentError):
                report.failed.append(term)
                continue
            if result.capped:
                report.capped.append(term)
            candidates += _hit_candidates(result)
    # RevCent's search index may not show a customer created a moment ago.
    candidates += _attempt_candidates(ids, exclude_key)
    report.matches = match_all(ids, candidates)
    return report


def identifiers_from_payload(payload: dict[str, Any]) -> Identifiers:
    customer = payload.get("customer", {})
    return Identifiers(
        email=customer.get("email", ""),
        phone=customer.get("phone", ""),
        internal_id=payload.get("internal_customer_id", ""),
        first_name=customer.get("first_name", ""),
        last_name=customer.get("last_name", ""),
        zip=customer.get("zip", ""),
        city=customer.get("city", ""),
        country=customer.get("country", ""),
    )


def duplicate_override_record(*, actor: Actor, reason: str, matches: list[Match]) -> None:
    ids = ", ".join(m.candidate.customer_id or "(recent attempt)" for m in matches)
    audit.agent_action(
        action="DuplicateOverride",
        actor=actor,
        message=f"Created anyway despite strong matches [{ids}]: {reason}",
        target_customer_id=next((m.candidate.customer_id for m in matches), ""),
    )


# --- Create, reconcile, verify ------------------------------------------------------------------
def customer_create(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor
) -> CreateAttempt:
    """Call CreateCustomer once for a claimed attempt and record what happened."""
    try:
        created = client.create_customer(attempt.payload, actor=actor)
    except RevCentOutcomeUnknown as exc:
        attempt.state = CreateAttempt.State.UNKNOWN
        attempt.message = exc.message
        attempt.create_api_call_id = exc.api_call_id
        attempt.save()
        return attempt_reconcile(attempt=attempt, client=client, actor=actor)
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
    return attempt_note(attempt=attempt, client=client, actor=actor)


# --- The RevCent note that says who created the customer, and why ---------------------------------
NOTE_REASON_MAX = 120


def note_text(attempt: CreateAttempt) -> str:
    """The note on every customer created here, for whoever opens it in RevCent's dashboard."""
    text = f"Created in Support Desk by {attempt.user.get_username()}"
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


def attempt_reconcile(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor
) -> CreateAttempt:
    """After an unanswered create: find out from RevCent whether the customer exists.

    First RevCent's own API-call log (did a CreateCustomer arrive, and which customer did it
    make?), then a search for the e-mail. The create is never sent again.
    """
    if attempt.state != CreateAttempt.State.UNKNOWN:
        return attempt
    logged = _created_per_api_call_log(attempt=attempt, client=client, actor=actor)
    if logged:
        return _attempt_settled(
            attempt,
            customer_id=logged,
            by=CreateAttempt.SettledBy.API_CALL_LOG,
            client=client,
            actor=actor,
        )
    try:
        result = client.search_customers(attempt.email, actor=actor)
    except RevCentError as exc:
        attempt.message = (
            "RevCent did not answer the create, and the search to check it failed too "
            f"({exc.message}). Check again in a moment; do not create the customer again."
        )
        attempt.save()
        return attempt
    since = attempt.created_at - CLOCK_SKEW
    found = [
        hit
        for hit in result.hits
        if normalize_email(hit.contact.email) == attempt.email
        and (hit.created is None or hit.created >= since)
    ]
    if len(found) == 1:
        return _attempt_settled(
            attempt,
            customer_id=found[0].id,
            by=CreateAttempt.SettledBy.EMAIL_SEARCH,
            client=client,
            actor=actor,
        )
    if found:
        attempt.message = (
            f"RevCent did not answer, and {len(found)} customers with this e-mail were created "
            "since. Open them below; do not create another."
        )
    else:
        attempt.message = (
            "RevCent did not answer the create, and a search does not find the customer yet. "
            "RevCent's search can lag a little: check again before creating anything."
        )
    attempt.save()
    return attempt


_SETTLED_BY = {
    CreateAttempt.SettledBy.API_CALL_LOG: "its API-call log shows it arrived and made this "
    "customer",
    CreateAttempt.SettledBy.EMAIL_SEARCH: "a search for the e-mail found the customer: it was "
    "created",
}


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
        f"RevCent did not answer the create, but {_SETTLED_BY[by]}. No second customer was made."
    )
    attempt.save()
    return attempt_note(attempt=attempt, client=client, actor=actor)


# How many customers made in the attempt's window are read back to find ours.
API_LOG_MAX_CANDIDATES = 5
API_LOG_MAX_PAGES = 4


def _created_per_api_call_log(
    *, attempt: CreateAttempt, client: RevCentClient, actor: Actor
) -> str:
    """The customer ID that RevCent's API-call log shows this attempt made, or ""."""
    start = attempt.created_at - CLOCK_SKEW
    end = attempt.created_at + timedelta(seconds=client.deadline_seconds) + CLOCK_SKEW
    made: list[str] = []
    try:
        for page in range(1, API_LOG_MAX_PAGES + 1):
            records = client.get_api_calls(
                date_start=int(start.timestamp()),
                date_end=int(min(end, timezone.now()).timestamp()),
                page=page,
                actor=actor,
            )
            made += [
                r.customer_id
                for r in records
                if r.is_create_customer() and r.code == 1 and REVCENT_ID.match(r.customer_id)
            ]
            if len(records) < PAGE_LIMIT_MAX:
                break
        # The log does not say whose create each was (other agents create too): read the
        # customers it made in the window and keep the one with this attempt's e-mail.
        ours = []
        for customer_id in list(dict.fromkeys(made))[:API_LOG_MAX_CANDIDATES]:
            detail = client.get_customer(customer_id, actor=actor)
            if normalize_email(detail.contact.email) == attempt.email:
                ours.append(customer_id)
    except RevCentError:
        return ""  # the log could not settle it; the e-mail search is next
    return ours[0] if len(ours) == 1 else ""


@dataclass(frozen=True)
class FieldComparison:
    label: str
    entered: str
    in_revcent: str

    @property
    def differs(self) -> bool:
        return self.entered.strip().casefold() != self.in_revcent.strip().casefold()


FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "city": "City",
    "state": "State",
    "zip": "ZIP",
    "country": "Country",
}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def customer_compare(attempt: CreateAttempt, detail: CustomerDetail) -> list[FieldComparison]:
    """What the agent entered beside what RevCent now holds, field by field."""
    entered = attempt.payload.get("customer", {})
    rows = []
    for key in CUSTOMER_KEYS:
        mine, theirs = entered.get(key, ""), getattr(detail.contact, key)
        if not mine and not theirs:
            continue
        if key == "phone" and _digits(mine)[-10:] == _digits(theirs)[-10:]:
            theirs = mine  # the same number, written another way
        rows.append(FieldComparison(FIELD_LABELS[key], mine, theirs))
    internal = attempt.payload.get("internal_customer_id", "")
    if internal or detail.internal_id:
        rows.append(FieldComparison("Internal customer ID", internal, detail.internal_id))
    return rows


def attempt_verify(*, attempt: CreateAttempt, detail: CustomerDetail) -> CreateAttempt:
    """GetCustomer answered for the new customer: it exists, so the create is verified."""
    if attempt.state == CreateAttempt.State.CREATED:
        attempt.state = CreateAttempt.State.VERIFIED
        attempt.verified_at = timezone.now()
        attempt.verify_api_call_id = detail.api_call_id
        attempt.save()
    return attempt


# --- RevCent's validation messages, placed at the field they are about ----------------------------
_FIELD_IN_MESSAGE = re.compile(r"\b(customer|bill_to)\.(\w+)")


def revcent_error_field(message: str) -> tuple[str, str] | None:
    """("customer", "country") for "customer.country must be ...", if the message names one."""
    match = _FIELD_IN_MESSAGE.search(message)
    if match and match.group(2) in CUSTOMER_KEYS:
        return match.group(1), match.group(2)
    for name in ("campaign", "internal_customer_id", "metadata"):
        if re.search(rf"\b{name}\b", message):
            return "options" if name != "metadata" else "metadata", name
    return None


def identifiers_from_form_data(data, *, refused=()) -> tuple[Identifiers, list[str]]:
    """What the half-filled create form says so far, for the live duplicate panel.

    Only values that are valid on their own are used (a half-typed e-mail is not searched),
    and never a field the card-number guard refused: those are returned by name.
    """
    from customers.forms import ContactForm

    contact = ContactForm(data, prefix="customer", refused=refused)
    contact.is_valid()
    found = contact.cleaned_data
    # Only the internal ID is needed from the options; their form would load campaigns.
    internal_id = (
        ""
        if "options-internal_customer_id" in refused
        else data.get("options-internal_customer_id", "").strip()[:255]
    )
    first, last = found.get("first_name", ""), found.get("last_name", "")
    named = len(first) >= 2 and len(last) >= 2
    ids = Identifiers(
        email=found.get("email", ""),
        phone=found.get("phone", ""),
        internal_id=internal_id,
        first_name=first if named else "",
        last_name=last if named else "",
        zip=found.get("zip", ""),
        city=found.get("city", ""),
        country=found.get("country", ""),
    )
    return ids, [contact.add_prefix(name) for name in contact.card_number_fields]


# --- Customer groups ----------------------------------------------------------------------------
GROUPS_CACHE_KEY = "revcent-customer-groups:v1"
GROUPS_CACHE_SECONDS = 300
GROUPS_MAX_PAGES = 8  # 200 groups; more would not fit a list an agent can read anyway


def customer_groups_enabled(*, client: RevCentClient, actor: Actor) -> list[CustomerGroup]:
    """RevCent's enabled customer groups, from the shared cache for a few minutes."""
    groups = cache.get(GROUPS_CACHE_KEY)
    if groups is None:
        groups = []
        for page in range(1, GROUPS_MAX_PAGES + 1):
            batch = client.get_customer_groups(actor=actor, page=page)
            groups += batch
            if len(batch) < GROUPS_PAGE_LIMIT:
                break
        cache.set(GROUPS_CACHE_KEY, groups, timeout=GROUPS_CACHE_SECONDS)
    return [group for group in groups if group.enabled]
