"""Typed results of RevCent operations, and the parsers that read them tolerantly.

Unknown keys are ignored and a missing optional key is not an error; which shapes are
expected is in contract.py. `Contact` (customers/contact.py) is re-exported from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from customers.contact import Contact
from customers.revcent import contract


def text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def first_text(data: dict[str, Any], names: tuple[str, ...]) -> str:
    return text(data, contract.first_key(data, names)) if contract.first_key(data, names) else ""


def when(unix: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(unix), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class SearchHit:
    id: str
    contact: Contact
    created: datetime | None
    internal_id: str = ""
    # RevCent's relevance and the matched snippets, when it sends them (its SearchCustomers
    # guide mentions both; not confirmed by a schema).
    score: float | None = None
    highlights: tuple[str, ...] = ()

    @property
    def openable_id(self) -> str:
        """The ID if it is a RevCent ID, else "": an ID with "/" or "?" in it would change
        the customer page's URL. The hit is still shown (and still counts as a duplicate)."""
        return self.id if contract.REVCENT_ID.match(self.id) else ""


@dataclass(frozen=True)
class SearchResult:
    term: str
    hits: list[SearchHit]
    api_call_id: str

    @property
    def capped(self) -> bool:
        """RevCent returns at most 10 hits: there may be more matches than shown."""
        return len(self.hits) >= contract.SEARCH_MAX_HITS


@dataclass(frozen=True)
class Created:
    """A create's answer: the new thing's ID (customer_id, note_id, ...)."""

    id: str
    api_call_id: str
    api_call_unix: int | None
    result: str

    @property
    def customer_id(self) -> str:
        return self.id


@dataclass(frozen=True)
class CustomerGroup:
    id: str
    name: str
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class CardSummary:
    """What RevCent returns about a stored card: never the number itself."""

    id: str
    type: str
    last_4: str
    expiry_date: str
    is_default: bool
    # When the card was added (contract.CARD_CREATED_KEY); None if RevCent does not say.
    created: datetime | None = None


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    created: datetime | None = None


@dataclass(frozen=True)
class CustomerDetail:
    id: str
    contact: Contact
    created: datetime | None
    enabled: bool
    internal_id: str
    bill_to: Contact | None
    metadata: list[tuple[str, str]]
    customer_groups: list[CustomerGroup]
    cards: list[CardSummary]
    api_call_id: str
    notes: list[Note] = field(default_factory=list)
    # Which form the server used, for `revcent_check`: where the fields were, and the
    # names of the (ASSUMED) group and card arrays ("" when absent).
    layout: str = "top level"
    customer_groups_key: str = ""
    cards_key: str = ""


@dataclass(frozen=True)
class ApiCallRecord:
    """One entry of RevCent's own API-call log (GetAPICalls; item shape ASSUMED)."""

    api_call_id: str
    api_call_unix: int | None
    operation: str
    method: str
    path: str
    code: int | None
    customer_id: str

    def is_create_customer(self) -> bool:
        if self.operation:
            return self.operation == contract.CREATE_CUSTOMER.name
        path = self.path.split("?")[0].rstrip("/")
        return self.method.upper() == "POST" and path.endswith(contract.CREATE_CUSTOMER.path)


def parse_search(term: str, body: dict[str, Any], api_call_id: str) -> SearchResult:
    hits = [
        SearchHit(
            id=text(item, "id"),
            contact=Contact.parse(item),
            created=when(item.get("created_date_unix")),
            internal_id=text(item, "internal_id"),
            score=item["score"] if isinstance(item.get("score"), int | float) else None,
            highlights=tuple(str(h) for h in item.get("highlights") or [] if h)
            if isinstance(item.get("highlights"), list)
            else (),
        )
        for item in _objects(body.get("results"))
        if text(item, "id") and item.get("item_type", "customer") == "customer"
    ]
    return SearchResult(term=term, hits=hits[: contract.SEARCH_MAX_HITS], api_call_id=api_call_id)


def parse_customer(customer_id: str, body: dict[str, Any], api_call_id: str) -> CustomerDetail:
    data, layout = contract.customer_body(body)
    customer_groups_key = contract.first_key(data, contract.CUSTOMER_GROUP_ARRAY_KEYS)
    cards_key = contract.first_key(data, contract.CARD_ARRAY_KEYS)
    bill_to = data.get("bill_to")
    return CustomerDetail(
        # The ID asked for (checked before the call) unless RevCent gives a valid one.
        id=text(data, "id") if contract.REVCENT_ID.match(text(data, "id")) else customer_id,
        contact=Contact.parse(data),
        created=when(data.get("created_date_unix")),
        enabled=data.get("enabled") is not False,
        internal_id=text(data, "internal_id"),
        bill_to=Contact.parse(bill_to) if isinstance(bill_to, dict) and bill_to else None,
        metadata=[(text(i, "name"), text(i, "value")) for i in _objects(data.get("metadata"))],
        customer_groups=[
            CustomerGroup(id=text(i, "id"), name=text(i, "name"))
            for i in _objects(data.get(customer_groups_key))
        ],
        cards=[
            CardSummary(
                id=text(i, "id"),
                type=text(i, "type"),
                last_4=text(i, "last_4")[-4:],
                expiry_date=text(i, "expiry_date"),
                is_default=bool(i.get("is_default")),
                created=when(i.get(contract.CARD_CREATED_KEY)),
            )
            for i in _objects(data.get(cards_key))
        ],
        notes=[
            Note(id=text(i, "id"), text=text(i, "text"), created=when(i.get("created_date_unix")))
            for i in _objects(data.get("notes"))
        ],
        api_call_id=api_call_id,
        layout=layout,
        customer_groups_key=customer_groups_key,
        cards_key=cards_key,
    )


def parse_customer_groups(body: dict[str, Any]) -> list[CustomerGroup]:
    return [
        CustomerGroup(
            id=text(item, "id"),
            name=text(item, "name"),
            description=text(item, "description"),
            enabled=item.get("enabled") is not False,
        )
        for item in _objects(body.get("results"))
        if text(item, "id")
    ]


def parse_api_calls(body: dict[str, Any]) -> list[ApiCallRecord]:
    keys = contract.API_CALL_ITEM_KEYS
    records = []
    for item in _objects(body.get("results")):
        unix = item.get(contract.first_key(item, keys["time"]))
        code = item.get(contract.first_key(item, keys["code"]))
        response = item["response"] if isinstance(item.get("response"), dict) else {}
        records.append(
            ApiCallRecord(
                api_call_id=first_text(item, keys["id"]),
                api_call_unix=unix if isinstance(unix, int) else None,
                operation=first_text(item, keys["operation"]),
                method=first_text(item, keys["method"]),
                path=first_text(item, keys["path"]),
                code=code if isinstance(code, int) else None,
                customer_id=first_text(item, keys["customer_id"])
                or first_text(response, keys["customer_id"]),
            )
        )
    return records
