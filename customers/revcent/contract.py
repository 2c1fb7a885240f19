"""What Support Desk knows, and what it assumes, about RevCent's v2 API: the one place.

Each operation's path and response shape is marked CONFIRMED (with the RevCent document it
comes from) or ASSUMED (with the reason). Confirming an assumption against RevCent's
operation schemas (https://revcent.com/documentation/files/api/operation/<Operation>.json)
or a test-mode call changes this file and nothing else: the client, the sandbox and
`manage.py revcent_check` all read it. RevCent's own reference: https://revcent.com/docs/api/v2

Nothing here imports the client or Django models (only the contact field list), so the
sandbox, a test double of RevCent, can import it without an import cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from customers.contact import CONTACT_FIELDS

SANDBOX_BASE_URL = "https://revcent-sandbox.invalid/v2"


@dataclass(frozen=True)
class Evidence:
    confirmed: bool
    source: str

    def __str__(self) -> str:
        return f"{'CONFIRMED' if self.confirmed else 'ASSUMED'} ({self.source})"


def confirmed(source: str) -> Evidence:
    return Evidence(True, source)


def assumed(reason: str) -> Evidence:
    return Evidence(False, reason)


# IDs are 20 characters (CONFIRMED: the envelope's api_call_id and every *_id in the
# operation schemas); the alphabet, letters and digits, is ASSUMED from the docs' examples.
REVCENT_ID = re.compile(r"^[A-Za-z0-9]{20}$")
# CreateCustomer's `campaign`: "an existing campaign's ID or its name", CONFIRMED
# (CreateCustomer.json). Campaign IDs are 20 characters, CONFIRMED (GetCustomers.json's
# campaign_filter); letters and digits, ASSUMED as for every ID (REVCENT_ID). A name is matched
# exactly, ASSUMED (the docs say "its name"). No operation lists or reads campaigns (none found),
# so Support Desk checks a campaign's shape when it is saved, and RevCent the rest at create.
CAMPAIGN_REFERENCE = confirmed("CreateCustomer.json: an existing campaign's ID or its name")
CAMPAIGN_ID_SHAPE = assumed("20 characters CONFIRMED (GetCustomers.json); letters and digits")
CAMPAIGN_ID = REVCENT_ID
# CONFIRMED: a customer hit carries id, created_date_unix, first_name, last_name, the address
# lines and city (kb.revcent.com api-search, its field table). The find box shows city and
# created date to tell two people of one name apart. Other hit fields (email, phone, zip…)
# are ASSUMED.
SEARCH_MAX_HITS = 10  # CONFIRMED: at most 10 hits, no paging (kb.revcent.com api-search)
PAGE_LIMIT_MAX = 25  # CONFIRMED: list operations take limit 1-25 (GetCustomerGroups.json)
API_CALLS_MAX_WINDOW_SECONDS = 2 * 86400  # CONFIRMED: GetAPICalls spans at most 2 days
NOTE_TEXT_MAX = 255  # CONFIRMED: CreateNote text is 1-255 characters (CreateNote.json)
METADATA_NAME_MAX = 100  # CONFIRMED: the CreateCustomer guide
METADATA_VALUE_MAX = 255  # CONFIRMED: the CreateCustomer guide

# A customer's page in RevCent's own web app (its dashboard), linked from the customer page.
# ASSUMED: RevCent's knowledge base gives the web app's customer pages under
# https://revcent.com/user/ ("go to https://revcent.com/user/customers" for all customers,
# https://revcent.com/user/new-customer to create one: kb.revcent.com/customer) but not the
# address of one customer's details page (reached there by search or from the list); this
# follows the same pattern. Confirm by opening a customer in the web app and reading the
# address bar.
DASHBOARD_CUSTOMER_URL = "https://revcent.com/user/customer/{customer_id}"
DASHBOARD_CUSTOMER_URL_EVIDENCE = assumed(
    "kb.revcent.com/customer names /user/customers and /user/new-customer, not a customer's page"
)


def dashboard_customer_url(customer_id: str) -> str:
    """The customer's page in RevCent's dashboard, or "" if `customer_id` is no RevCent ID
    (nothing else is ever put into the address)."""
    if not REVCENT_ID.fullmatch(customer_id or ""):
        return ""
    return DASHBOARD_CUSTOMER_URL.format(customer_id=customer_id)


# The contact fields of `customer` and `bill_to` (CONFIRMED: the CreateCustomer guide),
# defined once in customers/contact.py.
CUSTOMER_KEYS = CONTACT_FIELDS


# Request bodies, as Support Desk sends them (CONFIRMED: the CreateCustomer guide).
class ContactBody(TypedDict, total=False):
    """`customer` or `bill_to`: only the filled fields of CUSTOMER_KEYS (a test ties the two
    lists: a TypedDict cannot be built from a tuple and still be checked)."""

    first_name: str
    last_name: str
    email: str
    phone: str  # E.164
    company: str
    address_line_1: str
    address_line_2: str
    city: str
    state: str
    zip: str
    country: str  # ISO 3166-1 alpha-3


class MetadataPair(TypedDict):
    name: str  # 1-100 characters (METADATA_NAME_MAX)
    value: str  # 1-255 characters (METADATA_VALUE_MAX)


class CreateCustomerBody(TypedDict):
    """CreateCustomer's input. `payment` exists too, and Support Desk never sends it."""

    campaign: str  # the campaign's RevCent ID, or its exact name (CAMPAIGN_REFERENCE)
    customer: ContactBody
    bill_to: NotRequired[ContactBody]  # only when billing differs
    internal_customer_id: NotRequired[str]
    metadata: NotRequired[list[MetadataPair]]


# Every key a create may send: the client refuses any other (`payment` above all).
CREATE_KEYS = frozenset(CreateCustomerBody.__annotations__)
ENVELOPE_KEYS = ("api_call_id", "api_call_unix", "code")  # CONFIRMED: APICallResponseInfo
# CONFIRMED: every `default` (error) response, e.g. CreateNote.json. HTTP statuses are not
# documented, so the client reads any status with `code` other than 1 as an error.
ERROR_KEYS = ("api_call_id", "api_call_unix", "code", "error_code", "message", "result")

# Array names inside GetCustomer. `notes` is CONFIRMED (OverviewNote.md); the group and card
# arrays are ASSUMED: the first name is the working guess, the others are accepted too, and
# `revcent_check` says which one a server used.
NOTES_KEYS = ("notes",)
CUSTOMER_GROUP_ARRAY_KEYS = ("customer_group", "customer_groups", "groups")
CARD_ARRAY_KEYS = ("customer_card", "customer_cards", "cards")
# ASSUMED: a card item's creation time, named as on RevCent's other objects. It tells a card
# added through a card link from one the customer had before; without it no link closes.
CARD_CREATED_KEY = "created_date_unix"
# ASSUMED: the item shape of GetAPICalls' results is not in the stored schema (GetAPICalls.json
# documents the request only). The one list of the names accepted for each thing the
# reconciliation reads (customers/creating/reconcile.py), tried in order: the first is the
# working guess, the others equally plausible (RevCent names times `created_date_unix`
# elsewhere, say). "Not created" is read from the log only when every entry names its
# operation (or method and path) and every create its customer: `revcent_check --create`
# reports the names a server used and whether reconciliation can use them.
API_CALL_ITEM_KEYS = {
    "id": ("api_call_id", "id"),
    "time": ("api_call_unix", "created_date_unix", "unix", "timestamp"),
    "operation": ("operation", "api_operation", "name"),
    "method": ("method", "request_method", "http_method"),
    "path": ("path", "endpoint", "request_endpoint", "url", "request_path"),
    "code": ("code",),  # RevCent's 1 or 0; an HTTP status under another name is not it
    "customer_id": ("customer_id", "item_id"),
}


@dataclass(frozen=True)
class OperationSpec:
    """One RevCent operation: how to call it and what its success body holds."""

    name: str
    method: str
    path: str
    path_evidence: Evidence
    shape_evidence: Evidence
    # Keys every success body must hold; a list's or object's items must hold `item_keys`.
    keys: tuple[str, ...] = ENVELOPE_KEYS
    list_key: str = ""
    item_keys: tuple[str, ...] = ()
    # For an ASSUMED item key: every name accepted for it, the key itself first.
    item_alternatives: tuple[tuple[str, ...], ...] = ()
    # Changes data in RevCent: never retried, and "no answer" means "outcome unknown".
    changes: bool = False
    id_key: str = ""  # the new thing's ID in a create's answer
    notes: tuple[str, ...] = field(default_factory=tuple)


SEARCH_CUSTOMERS = OperationSpec(
    "SearchCustomers",
    "GET",
    "/customers/search",
    assumed("every stored sibling is GET /v2/<collection>/search?search_term=, e.g. products"),
    assumed("the `results` envelope key; hits may carry `score` and `highlights`, and `email`"),
    keys=(*ENVELOPE_KEYS, "results"),
    list_key="results",
    item_keys=("id",),
)
CREATE_CUSTOMER = OperationSpec(
    "CreateCustomer",
    "POST",
    "/customers",
    confirmed("CreateCustomer.json"),
    confirmed("the CreateCustomer guide: customer_id, result"),
    keys=(*ENVELOPE_KEYS, "customer_id", "result"),
    changes=True,
    id_key="customer_id",
)
GET_CUSTOMER = OperationSpec(
    "GetCustomer",
    "GET",
    "/customers/{customer_id}",
    confirmed("GetCustomer.json"),
    confirmed("GetCustomer.json: the customer's fields at the top level, beside the envelope"),
    keys=(*ENVELOPE_KEYS, "id", "first_name", "last_name", "email"),
    notes=("groups and cards array names are ASSUMED: " + ", ".join(CUSTOMER_GROUP_ARRAY_KEYS),),
)
GET_CUSTOMER_GROUPS = OperationSpec(
    "GetCustomerGroups",
    "GET",
    "/customer_groups",
    confirmed("GetCustomerGroups.json"),
    confirmed("GetCustomerGroups.json: current_count, current_page, results"),
    keys=(*ENVELOPE_KEYS, "results"),
    list_key="results",
    item_keys=("id", "name", "enabled"),
)
# ASSUMED and UNVERIFIED: RevCent documents AddCustomerToGroup's inputs (customer_id and a
# customer_group array) but not its path, and this guess goes against RevCent's action-path
# pattern (POST /v2/customers/{id}/add_card). `revcent_check --groups` settles it.
ADD_CUSTOMER_TO_GROUP = OperationSpec(
    "AddCustomerToGroup",
    "POST",
    "/customers/{customer_id}/customer_group",
    assumed("UNVERIFIED path: inputs are documented (AddCustomerToGroup.md), the path is not"),
    assumed("the standard envelope and `result`"),
    keys=(*ENVELOPE_KEYS, "result"),
    changes=True,
)
CREATE_NOTE = OperationSpec(
    "CreateNote",
    "POST",
    "/notes",
    confirmed("CreateNote.json"),
    confirmed("CreateNote.json: note_id, result"),
    keys=(*ENVELOPE_KEYS, "note_id", "result"),
    changes=True,
    id_key="note_id",
)
GET_API_CALLS = OperationSpec(
    "GetAPICalls",
    "GET",
    "/api_calls",
    confirmed("GetAPICalls.json: date_start, date_end (unix seconds, at most 2 days), page"),
    assumed("the `results` key and its items' fields (see API_CALL_ITEM_KEYS)"),
    keys=(*ENVELOPE_KEYS, "results"),
    list_key="results",
    item_keys=tuple(names[0] for names in API_CALL_ITEM_KEYS.values()),
    item_alternatives=tuple(API_CALL_ITEM_KEYS.values()),
)
# Every operation by name; the audit trail records each as the AuditEntry.Operation of the
# same name (tests/revcent/test_operation_names.py).
OPERATIONS = {
    op.name: op
    for op in (
        SEARCH_CUSTOMERS,
        CREATE_CUSTOMER,
        GET_CUSTOMER,
        GET_CUSTOMER_GROUPS,
        ADD_CUSTOMER_TO_GROUP,
        CREATE_NOTE,
        GET_API_CALLS,
    )
}


def first_key(data: dict[str, Any], names: tuple[str, ...]) -> str:
    """The first of names that data holds, or ""."""
    return next((name for name in names if name in data), "")


def customer_body(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """GetCustomer's customer fields, and where they were: "top level" as RevCent documents
    it, or "nested under 'customer'" (this project's first guess, still accepted)."""
    nested = body.get("customer")
    if isinstance(nested, dict) and not any(key in body for key in ("id", "email")):
        return nested, "nested under 'customer'"
    return body, "top level"
