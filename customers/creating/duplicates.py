"""The duplicate check: search RevCent for what the agent typed, add this app's own recent
creates, and match (customers/matching.py decides what counts as the same person).

Plain functions over plain values and the RevCent client; no request in them.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field, replace

from django.core.cache import cache

from customers import audit
from customers.audit import Actor
from customers.cardguard.guard import any_card_number
from customers.contact import Contact
from customers.creating.recent_creates import recent_like
from customers.matching import (
    Candidate,
    Identifiers,
    Match,
    match_all,
)
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import RevCentClient, RevCentError, SearchResult
from customers.revcent.contract import CreateCustomerBody

SEARCH_CACHE_SECONDS = 60
RECENT_CANDIDATES_MAX = 50


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


def identifiers_from_payload(payload: CreateCustomerBody) -> Identifiers:
    """The identifiers of a CreateCustomer body."""
    contact = Contact.parse(payload.get("customer"))
    return Identifiers(**asdict(contact), internal_id=payload.get("internal_customer_id", ""))


def duplicate_check(
    ids: Identifiers,
    *,
    client: RevCentClient,
    actor: Actor,
    use_cache: bool = False,
    recent: list[CreateAttempt] | None = None,
) -> DuplicateReport:
    """Search RevCent for every identifier at once, add this app's recent creates, match.

    The submit-time gate searches afresh (use_cache=False): it is the last check before a
    create. The live panel, refreshed as the agent types, uses the cache. recent: this app's
    recent creates like ids if the caller has read them already (attempts_like), else they
    are read here.
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
            candidates += hit_candidates(result)
    # RevCent's search index may not show a customer created a moment ago.
    if recent is None:
        recent = recent_like(ids, limit=RECENT_CANDIDATES_MAX)
    candidates += [_attempt_candidate(attempt) for attempt in recent]
    report.matches = match_all(ids, candidates)
    return report


def duplicate_recheck(
    ids: Identifiers, report: DuplicateReport, *, key: uuid.UUID
) -> tuple[CreateAttempt | None, DuplicateReport]:
    """For the gate inside a create's turn (claims.py), in one read: the attempt another
    request of this form has made already (if any: its outcome is this one's), and the report
    again with this app's own creates read afresh (RevCent's hits kept). A create for this
    person that finished while the agent's search ran, or while this one waited for its
    turn, is there with its customer even before RevCent's search shows it."""
    own, recent = attempts_like(ids, key)
    if own is not None:
        return own, report
    candidates = [m.candidate for m in report.matches if m.candidate.source != "recent"]
    candidates += [_attempt_candidate(attempt) for attempt in recent]
    return None, replace(report, matches=match_all(ids, candidates))


def unseen_strong(report: DuplicateReport, *, seen: DuplicateReport) -> list[Match]:
    """Strong matches in report that the agent was not shown in seen."""
    shown = {match.candidate.key for match in seen.matches}
    return [match for match in report.strong if match.candidate.key not in shown]


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
            found = {
                _cache_key(t): r
                for t, r in fresh.items()
                # What RevCent holds is not ours to clean; one with a card number is not kept.
                if isinstance(r, SearchResult) and not any_card_number(r)
            }
            cache.set_many(found, timeout=SEARCH_CACHE_SECONDS)
    return {term: results[term] for term in terms}


def searches_forget(ids: Identifiers) -> None:
    """Drop the cached searches for a person just created: the next search (the find box, the
    panel, an assistant) must ask RevCent again and see them, not a minute-old "no match"."""
    cache.delete_many([_cache_key(term) for term in ids.search_terms()])


def _cache_key(term: str) -> str:
    # Hashed: the cache's keys show up in monitoring tools; the customer's e-mail should not.
    # The version changes whenever SearchResult does, so no server reads an old pickle.
    digest = hashlib.sha256(term.strip().casefold().encode()).hexdigest()
    return f"revcent-search:v2:{digest}"


def hit_candidates(result: SearchResult) -> list[Candidate]:
    """Each SearchCustomers hit as a candidate for the matching rules."""
    return [
        Candidate(
            **asdict(hit.contact),
            customer_id=hit.id,
            internal_id=hit.internal_id,
            created=hit.created,
        )
        for hit in result.hits
    ]


def attempts_like(
    ids: Identifiers, key: uuid.UUID
) -> tuple[CreateAttempt | None, list[CreateAttempt]]:
    """The attempt under key (whatever its age or state), and the recent attempts like ids
    (not it), in one query. The own attempt comes first, so the cap never hides it."""
    rows = recent_like(ids, limit=RECENT_CANDIDATES_MAX + 1, own_key=key)
    if rows and rows[0].submission_key == key:
        return rows[0], []
    return None, rows[:RECENT_CANDIDATES_MAX]


def _attempt_candidate(attempt: CreateAttempt) -> Candidate:
    who: str = getattr(attempt, "who", "")  # the agent's username, from recent_like's query
    note = (
        f"Created here by {who}"
        if attempt.customer_id
        else f"Create attempt by {who}: {attempt.get_state_display()}"
    )
    return Candidate(
        **asdict(Contact.parse(attempt.payload.get("customer"))),
        customer_id=attempt.customer_id,
        internal_id=attempt.payload.get("internal_customer_id", ""),
        created=attempt.created_at,
        source="recent",
        note=note,
    )


def _strong_named(strong: list[Match]) -> str:
    """ "2 strong matches (cus_1: same e-mail; a recent create here: same phone)"."""
    seen = "; ".join(
        f"{m.candidate.customer_id or 'a recent create here'}: {', '.join(m.reasons)}"
        for m in strong
    )
    return f"{len(strong)} strong match{'es' if len(strong) != 1 else ''} ({seen})"


def duplicate_gate_record(*, actor: Actor, report: DuplicateReport) -> None:
    """Audit a create stopped at the duplicate gate, naming what stopped it (the team
    overview counts these per agent)."""
    strong = report.strong
    if strong:
        message = f"Stopped at the duplicate gate by {_strong_named(strong)}."
    else:
        message = "Stopped at the duplicate gate: the duplicate search could not finish."
    audit.agent_action(
        action=AuditEntry.Operation.DUPLICATE_GATE_STOPPED,
        actor=actor,
        message=message,
        target_customer_id=next((m.candidate.customer_id for m in strong), ""),
    )


# A reload of the customer page the gate's Use opened is not a second decision.
MATCH_USED_ONCE_SECONDS = 600


def duplicate_match_used_record(*, actor: Actor, customer_id: str) -> None:
    """Audit an agent going from the duplicate gate to the customer it named (Use), once per
    agent and customer in MATCH_USED_ONCE_SECONDS (per process, with a cache not shared)."""
    user_key = actor.user.pk if actor.user is not None else actor.username
    if not cache.add(f"gate-use:{user_key}:{customer_id}", 1, MATCH_USED_ONCE_SECONDS):
        return
    audit.agent_action(
        action=AuditEntry.Operation.DUPLICATE_MATCH_USED,
        actor=actor,
        customer_id=customer_id,
        message="Went from the duplicate gate to this existing customer instead of creating.",
    )


# How many strong matches the decision names (each with its reasons); the rest are counted.
OVERRIDE_MATCHES_NAMED = 3
_MESSAGE_MAX = AuditEntry._meta.get_field("message").max_length or 0  # what the row holds


def duplicate_override_record(
    *, actor: Actor, reason: str, report: DuplicateReport, attempt: CreateAttempt
) -> None:
    """Audit the agent's "Create anyway" once the create has an outcome: the decision in a
    sentence (what they were warned of, their reason) and what came of it.

    On the new customer's timeline when one was made (`customer_id`). The first match is the
    customer asked about (`target_customer_id`): its timeline shows this row as a note that
    a separate customer was chosen (customers/audit/timeline.py), never as a create.
    """
    audit.agent_action(
        action=AuditEntry.Operation.DUPLICATE_OVERRIDE,
        actor=actor,
        message=override_message(reason=reason, report=report, attempt=attempt),
        customer_id=attempt.customer_id,
        target_customer_id=next((m.candidate.customer_id for m in report.strong), ""),
    )


def override_message(*, reason: str, report: DuplicateReport, attempt: CreateAttempt) -> str:
    """ "Chose to create anyway despite a strong match with <ID> (Email matches), reason:
    “…”. Result: …", the reason shortened if need be so that the result always fits."""
    strong = report.strong
    if strong:
        unnamed = "a create here with no RevCent ID yet"
        named = [
            f"{m.candidate.customer_id or unnamed} ({', '.join(m.reasons)})"
            for m in strong[:OVERRIDE_MATCHES_NAMED]
        ]
        if len(strong) > len(named):
            named.append(f"{len(strong) - len(named)} more")
        which = "a strong match with" if len(strong) == 1 else "strong matches with"
        head = f"Chose to create anyway despite {which} {'; '.join(named)}"
    else:
        head = "Chose to create anyway although the duplicate search failed"
    result = override_result(attempt)
    room = _MESSAGE_MAX - len(f"{head}, reason: “”. {result}")
    if len(reason) > room:
        reason = reason[: max(0, room - 1)].rstrip() + "…"
    return f"{head}, reason: “{reason}”. {result}"


def override_result(attempt: CreateAttempt) -> str:
    """What the create chosen at the gate came to, with RevCent's ID of the call (which the
    audit trail's search finds)."""
    call = (
        f" (CreateCustomer call {attempt.create_api_call_id})" if attempt.create_api_call_id else ""
    )
    if attempt.customer_id:
        return f"Result: customer {attempt.customer_id} was created{call}."
    if attempt.state == CreateAttempt.State.FAILED:
        return f"Result: the create failed, so no customer was made{call}."
    return (
        "Result: not known yet: RevCent did not answer the create, and Support Desk checks "
        f"RevCent for the customer before anything else{call}."
    )
