"""Fields that are one thing to a person, so a card number split between them is still one.

"4111 1111" in address line 1 and "1111 1111" in line 2 is a card number to whoever reads
the address; so it is to the card guard (customers/cardguard/guard.py `card_number_fields`),
which checks each pair below joined as well as each field alone. Only names here, no
values: the same rule serves the request guard (any form) and the create form.

The names are the create form's (customers/forms/create.py prefixes `customer`, `bill_to`
and `metadata` over customers/contact.py's fields); tests/cardguard/test_card_number_pairs.py
fails if they drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Within one contact (any prefix, or none).
SAME_CONTACT = (("address_line_1", "address_line_2"), ("first_name", "last_name"))
# The bill-to contact beside the customer's: the same field of each.
CUSTOMER_PREFIX = "customer"
BILL_TO_PREFIX = "bill_to"
# A formset row's name and value (metadata-3-name, metadata-3-value).
_ROW_FIELD = re.compile(r"(?P<rows>.+)-(?P<index>\d{1,4})-(?P<part>name|value)")


def joined_pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of these field names whose values are also checked joined, in the order a
    person reads them: address lines 1 and 2, first and last name, each row's name and
    value, each row's value and the next row's, each bill-to field and the customer's."""
    present = set(names)
    pairs = []
    for name in sorted(present):
        for first, second in SAME_CONTACT:
            prefix = _prefix_of(name, first)
            if prefix is not None and prefix + second in present:
                pairs.append((name, prefix + second))
    pairs += _row_pairs(present)
    bill_to, customer = f"{BILL_TO_PREFIX}-", f"{CUSTOMER_PREFIX}-"
    for name in sorted(present):
        same_for_customer = customer + name.removeprefix(bill_to)
        if name.startswith(bill_to) and same_for_customer in present:
            pairs.append((same_for_customer, name))
    return pairs


def _prefix_of(name: str, field: str) -> str | None:
    """The form prefix before field in name ("customer-" of "customer-first_name", "" of
    "first_name"); None if name is not that field."""
    if not name.endswith(field):
        return None
    before = name.removesuffix(field)
    return before if before == "" or before.endswith("-") else None


def _row_pairs(present: set[str]) -> list[tuple[str, str]]:
    rows: dict[str, set[int]] = {}
    for name in present:
        match = _ROW_FIELD.fullmatch(name)
        if match is not None:
            rows.setdefault(match["rows"], set()).add(int(match["index"]))
    pairs = []
    for prefix, indexes in sorted(rows.items()):
        ordered = sorted(indexes)
        for index in ordered:
            pairs.append((f"{prefix}-{index}-name", f"{prefix}-{index}-value"))
        for index, following in zip(ordered, ordered[1:], strict=False):
            pairs.append((f"{prefix}-{index}-value", f"{prefix}-{following}-value"))
    return [(first, second) for first, second in pairs if {first, second} <= present]
