"""What the agent entered beside what RevCent holds after the create, field by field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from customers.contact import CONTACT_FIELDS, LABELS, Contact, field_display
from customers.models import CreateAttempt
from customers.revcent import CustomerDetail


@dataclass(frozen=True)
class FieldComparison:
    """One row: a label, the value entered and RevCent's, as people read them."""

    label: str
    entered: str
    in_revcent: str
    differs: bool


@dataclass(frozen=True)
class Comparison:
    """The verify page's three tables. `bill_to_sent` False means the create had no bill-to:
    RevCent then bills the customer, and `bill_to` holds rows only if RevCent shows another."""

    customer: list[FieldComparison]
    bill_to: list[FieldComparison]
    bill_to_sent: bool
    metadata: list[FieldComparison] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return sum(row.differs for row in (*self.customer, *self.bill_to, *self.metadata))


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _same(key: str, mine: str, theirs: str) -> bool:
    if key == "phone" and mine and theirs:
        # The same number written another way (RevCent may drop the +1, say).
        return _digits(mine)[-10:] == _digits(theirs)[-10:]
    return mine.strip().casefold() == theirs.strip().casefold()


def _row(label: str, mine: str, theirs: str, *, key: str = "") -> FieldComparison:
    return FieldComparison(
        label,
        field_display(key, mine),
        field_display(key, theirs),
        differs=not _same(key, mine, theirs),
    )


def contact_compare(entered: Contact, stored: Contact | None) -> list[FieldComparison]:
    """Every contact field that either side has, in the one field order."""
    stored = stored or Contact()
    return [
        _row(LABELS[key], getattr(entered, key), getattr(stored, key), key=key)
        for key in CONTACT_FIELDS
        if getattr(entered, key) or getattr(stored, key)
    ]


def metadata_compare(
    entered: list[tuple[str, str]], stored: list[tuple[str, str]]
) -> list[FieldComparison]:
    """Every metadata pair, by name: the entered ones in their order, then any RevCent adds."""
    names = list(dict.fromkeys(name for name, _ in [*entered, *stored]))

    def values(pairs: list[tuple[str, str]], name: str) -> str:
        return ", ".join(value for key, value in pairs if key == name)

    return [_row(name, values(entered, name), values(stored, name)) for name in names]


def _billing_is_the_customer(customer: Contact, bill_to: Contact | None) -> bool:
    """RevCent shows no bill-to, or one that repeats the customer's own details."""
    if bill_to is None:
        return True
    return all(_same(key, getattr(customer, key), value) for key, value in bill_to.filled().items())


def customer_compare(attempt: CreateAttempt, detail: CustomerDetail) -> Comparison:
    """What the agent entered beside what RevCent now holds: customer, bill-to, metadata."""
    customer = contact_compare(attempt.entered_customer, detail.contact)
    internal = attempt.payload.get("internal_customer_id", "")
    if internal or detail.internal_id:
        customer.append(_row("Internal customer ID", internal, detail.internal_id))
    entered_bill_to = attempt.entered_bill_to
    if entered_bill_to is not None:
        bill_to = contact_compare(entered_bill_to, detail.bill_to)
    elif _billing_is_the_customer(detail.contact, detail.bill_to):
        bill_to = []
    else:
        # None was sent, yet RevCent bills someone else: compare with what billing should
        # have been, the customer as entered.
        bill_to = contact_compare(attempt.entered_customer, detail.bill_to)
    return Comparison(
        customer=customer,
        bill_to=bill_to,
        bill_to_sent=entered_bill_to is not None,
        metadata=metadata_compare(attempt.entered_metadata, detail.metadata),
    )
