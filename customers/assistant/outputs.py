"""What the assistant's tools take and give back, as typed models (their JSON schemas are the
tools' input and output schemas).

Everything a tool returns from RevCent is data a customer or another agent typed, so it is
length-capped here and the text copy is fenced as untrusted (customers/assistant/server.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from customers.contact import CONTACT_FIELDS, CONTACT_SPECS
from customers.revcent import REVCENT_ID

CUSTOMER_ID = Field(pattern=REVCENT_ID.pattern, description="A RevCent customer ID.")
TEXT_MAX = 200


def _contact_in(name: str) -> tuple[type[str], Any]:
    spec = CONTACT_SPECS[name]
    if spec["kind"] == "country":
        return str, Field(default="", max_length=3, description="ISO 3166-1 alpha-3, e.g. USA")
    if spec["required"]:
        return str, Field(min_length=1, max_length=spec["max_length"], description=spec["label"])
    return str, Field(default="", max_length=spec["max_length"], description=spec["label"])


# RevCent's `customer` (and `bill_to`) object as CreateCustomer takes it, from the one contact
# field list (customers/contact.py), so the tool's input schema and the form never differ.
ContactIn: type[BaseModel] = create_model(
    "ContactIn",
    __doc__="RevCent's customer (or bill_to) object, as CreateCustomer takes it.",
    **{name: _contact_in(name) for name in CONTACT_FIELDS},  # type: ignore[call-overload]
)


class MetadataIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1, max_length=255)


class ContactOut(BaseModel):
    """A customer's details, masked (•) until the caller is verified."""

    name: str = Field(max_length=TEXT_MAX)
    email: str = Field(max_length=TEXT_MAX)
    phone: str = Field(max_length=TEXT_MAX)
    city: str = Field(max_length=TEXT_MAX)
    zip: str = Field(max_length=TEXT_MAX)
    country: str = Field(max_length=TEXT_MAX)


class Hit(BaseModel):
    customer_id: str = Field(description="Open it with get_customer; empty if it cannot be.")
    name: str = Field(max_length=TEXT_MAX)
    hint: str = Field(max_length=TEXT_MAX, description="Masked e-mail and phone ending.")
    city: str = Field(max_length=TEXT_MAX)
    why: list[str] = Field(description="Why it matched.")
    strong: bool = Field(description="Same e-mail, phone or internal ID: most likely them.")


class SearchOut(BaseModel):
    hits: list[Hit]
    more_may_exist: bool = Field(description="RevCent returns at most 10: search more exactly.")
    open_customer_id: str = Field(description="Exactly one customer: open this one.")


class CardOut(BaseModel):
    brand: str = Field(max_length=40)
    last_4: str = Field(max_length=4)
    expiry: str = Field(max_length=10)


class CustomerOut(BaseModel):
    customer_id: str
    caller_verified: bool = Field(description="False: details are masked; call verify_caller.")
    caller_check_needed: bool
    contact: ContactOut
    groups: list[str]
    cards: list[CardOut]
    created_by_this_app: bool


class VerifyOut(BaseModel):
    verified: bool
    message: str


class MatchOut(BaseModel):
    customer_id: str
    name: str = Field(max_length=TEXT_MAX)
    why: list[str]
    strong: bool
    email: str = Field(max_length=TEXT_MAX, description="Masked unless it is what you gave.")


class ProposalOut(BaseModel):
    proposal_id: str = Field(description="Pass it to create_customer within 15 minutes.")
    expires_at: str
    customer: dict[str, object] = Field(description="The CreateCustomer body, normalized.")
    matches: list[MatchOut]
    needs_reason: bool = Field(
        description="A strong match (or no search): the person must say why it is different."
    )
    duplicate_search_complete: bool


class CreateOut(BaseModel):
    customer_id: str
    state: str
    api_call_ids: list[str]
    differences: list[str] = Field(description="Fields RevCent stores differently.")
    note: str


class GroupOut(BaseModel):
    group_id: str
    name: str = Field(max_length=TEXT_MAX)


class GroupsOut(BaseModel):
    groups: list[GroupOut]


class GroupsAddedOut(BaseModel):
    customer_id: str
    added: list[str]
    groups_now: list[str]


class CardLinkOut(BaseModel):
    sent: bool
    message: str


class CardLinkStatus(BaseModel):
    status: Literal["active", "expired", "expired_early", "card_received"]
    channel: str
    made_at: str
    expires_at: str
    card_received_at: str = Field(description="When the customer's card arrived, if it did.")


class CardLinksOut(BaseModel):
    links: list[CardLinkStatus]
