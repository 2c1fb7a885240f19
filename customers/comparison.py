"""What the agent entered beside what RevCent holds after the create, field by field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from customers.contact import CONTACT_FIELDS, LABELS
from customers.models import CreateAttempt
from customers.revcent import CustomerDetail


@dataclass(frozen=True)
class FieldComparison:
    label: str
    entered: str
    in_revcent: str

    @property
    def differs(self) -> bool:
        return self.entered.strip().casefold() != self.in_revcent.strip().casefold()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def customer_compare(attempt: CreateAttempt, detail: CustomerDetail) -> list[FieldComparison]:
    """What the agent entered beside what RevCent now holds, field by field."""
    entered = attempt.payload.get("customer", {})
    rows = []
    for key in CONTACT_FIELDS:
        mine, theirs = entered.get(key, ""), getattr(detail.contact, key)
        if not mine and not theirs:
            continue
        if key == "phone" and _digits(mine)[-10:] == _digits(theirs)[-10:]:
            theirs = mine  # the same number, written another way
        rows.append(FieldComparison(LABELS[key], mine, theirs))
    internal = attempt.payload.get("internal_customer_id", "")
    if internal or detail.internal_id:
        rows.append(FieldComparison("Internal customer ID", internal, detail.internal_id))
    return rows
