"""Find an existing customer: one search box for an e-mail, a phone (any format), a name, an
internal ID or a RevCent ID.

It asks SearchCustomers through the same cache, the same per-agent limit and the same
normalization as the duplicate panel: one customer at a time, never a list to browse or
export (RevCent: search is not for reporting).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.cache import cache

from customers import ratelimit
from customers.audit import Actor
from customers.cardguard.guard import any_card_number, redact_card_numbers
from customers.contact import Contact, normalize_phone
from customers.creating.duplicates import hit_candidates, search_terms
from customers.existing.masking import mask_email
from customers.matching import Candidate, Identifiers, match_candidate
from customers.models import CustomerVisit
from customers.revcent import REVCENT_ID, RevCentClient, RevCentError, SearchHit
from customers.revcent.contract import SEARCH_MAX_HITS
from customers.team.roles import SEE_CUSTOMERS

QUERY_MAX = 254
RECENT_MAX = 10
# How long a search's results stay for its page (Back, a refresh): a call's worth of time.
KEPT_SECONDS = 15 * 60
_KEPT_KEY = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class Found:
    hit: SearchHit
    reasons: tuple[str, ...]
    strong: bool = False

    @property
    def hint(self) -> str:
        """Enough to tell two people of one name apart, not enough to copy their details."""
        parts = [mask_email(self.hit.contact.email)] if self.hit.contact.email else []
        digits = "".join(ch for ch in self.hit.contact.phone if ch.isdigit())
        if len(digits) >= 4:
            parts.append(f"phone ending {digits[-4:]}")
        return " · ".join(parts)


@dataclass
class LookupResult:
    query: str
    found: list[Found] = field(default_factory=list)
    # Set when the query is a RevCent customer ID: open it directly.
    customer_id: str = ""
    capped: bool = False
    failed: str = ""
    rate_limited: bool = False


def lookup_identifiers(query: str) -> Identifiers:
    """What the query most likely is, as the duplicate matching reads identifiers."""
    if "@" in query:
        return Identifiers(email=query.lower())
    digits = sum(ch.isdigit() for ch in query)
    if digits >= 7 and digits >= len(query.replace(" ", "")) * 0.6:
        try:
            return Identifiers(phone=normalize_phone(query))
        except ValueError:
            pass
    first, _, last = query.partition(" ")
    return Identifiers(first_name=first, last_name=last.strip(), internal_id=query)


def customer_lookup(query: str, *, user: User, client: RevCentClient, actor: Actor) -> LookupResult:
    """Search RevCent for one customer; each result says why it matched."""
    query = " ".join(query.split())[:QUERY_MAX]
    result = LookupResult(query=query)
    if not query:
        return result
    if ratelimit.count_search_over_limit(user.pk):
        result.rate_limited = True
        return result
    ids = lookup_identifiers(query)
    term = ids.email or ids.phone or query
    found = search_terms([term], client=client, actor=actor, use_cache=True)[term]
    if isinstance(found, RevCentError):
        result.failed = found.message
        return result
    result.capped = len(found.hits) >= SEARCH_MAX_HITS
    result.found = [
        _found(ids, hit, candidate)
        for hit, candidate in zip(found.hits, hit_candidates(found), strict=True)
    ]
    if any(found.hit.openable_id == query for found in result.found):
        result.customer_id = query  # the RevCent ID itself
    elif len(result.found) == 1 and result.found[0].strong:
        # One customer with this very e-mail, phone or internal ID: open them (if the ID
        # can be opened at all; else the result list shows them without a link).
        result.customer_id = result.found[0].hit.openable_id
    elif REVCENT_ID.match(query) and not result.found:
        # Twenty letters and digits that no search finds: most likely a RevCent ID (an
        # internal ID of that shape is found by the search above).
        result.customer_id = query
    return result


# --- Results kept for their page: POST, then redirect, then GET ------------------------------
# The find box answers a POST (the e-mail or phone searched for never goes in a URL); its
# results are kept in the shared cache under a random key, and the browser is sent to
# ?r=<key>. Back and refresh then load that GET again: no "Confirm Form Resubmission", no
# second RevCent call, nothing counted again against the agent's search limit, and the
# list is the one the agent chose from. Their age is read from the time they were kept and
# the clock, not from the cache's expiry (which only tidies up), so a test can move the
# clock whatever the cache.
def lookup_keep(result: LookupResult, *, user_id: int) -> str:
    """Keep a search's results for this user for KEPT_SECONDS; return their opaque key."""
    key = secrets.token_urlsafe(16)  # 22 characters, 128 random bits
    value = (user_id, time.time(), results_as_kept(result))
    cache.set(_kept_cache_key(key), value, timeout=KEPT_SECONDS + 60)
    return key


def lookup_kept(key: str, *, user_id: int) -> LookupResult | None:
    """The results kept under key, if they are still there and this user's; else None."""
    if not _KEPT_KEY.fullmatch(key):
        return None
    kept = cache.get(_kept_cache_key(key))
    if not isinstance(kept, tuple) or len(kept) != 3 or kept[0] != user_id:
        return None  # unknown, or another user's key: they get a fresh search
    if time.time() - kept[1] > KEPT_SECONDS:
        return None
    result: LookupResult = kept[2]
    return result


def results_as_kept(result: LookupResult) -> LookupResult:
    """The results as the page shows them, and no more: each hit's name, city, created date,
    masked e-mail and the phone's last four digits (what Found.hint reads). Never a card
    number: the query was refused before any search if it held one, and one in what RevCent
    holds is replaced by a marker."""
    kept = dataclasses.replace(result, found=[_found_as_kept(found) for found in result.found])
    return _redacted(kept) if any_card_number(kept) else kept


def _found_as_kept(found: Found) -> Found:
    contact = found.hit.contact
    digits = "".join(ch for ch in contact.phone if ch.isdigit())
    shown = Contact(
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=mask_email(contact.email),
        phone=digits[-4:] if len(digits) >= 4 else "",
        city=contact.city,
    )
    hit = SearchHit(id=found.hit.id, contact=shown, created=found.hit.created)
    return dataclasses.replace(found, hit=hit)


def _redacted[T](value: T) -> T:
    """value with every card number in its strings replaced (dataclasses, lists, tuples)."""
    if isinstance(value, str):
        return redact_card_numbers(value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _redacted(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list | tuple):
        return type(value)(_redacted(item) for item in value)
    return value


def _kept_cache_key(key: str) -> str:
    # The version changes whenever LookupResult, Found or SearchHit does: no server reads an
    # old pickle (results then read as expired, and the agent searches again).
    return f"lookup-results:v1:{key}"


def _found(ids: Identifiers, hit: SearchHit, candidate: Candidate) -> Found:
    match = match_candidate(ids, candidate)
    if match is not None:
        return Found(hit, match.reasons, strong=match.strong)
    return Found(hit, ("Found by RevCent's search",))


def can_see_customers(user: User) -> bool:
    return any(user.has_perm(perm) for perm in SEE_CUSTOMERS)


def customer_visited(*, user: User, customer_id: str, name: str) -> None:
    """Remember that this agent opened this customer, for their recent list on Home.

    One upsert (INSERT … ON CONFLICT DO UPDATE on PostgreSQL and SQLite), not a read and
    then a write in a transaction of their own.
    """
    CustomerVisit.objects.bulk_create(
        [CustomerVisit(user=user, customer_id=customer_id, name=name[:200])],
        update_conflicts=True,
        unique_fields=["user", "customer_id"],
        update_fields=["name", "visited_at"],
    )


def recent_customers(user: User) -> list[CustomerVisit]:
    """The customers this agent created or opened here lately, newest first (no RevCent call)."""
    return list(CustomerVisit.objects.filter(user=user).order_by("-visited_at")[:RECENT_MAX])
