"""Masked contact details: enough to tell people apart, not enough to answer for them.

Before the caller is verified, a customer's page must not show the answers to the
verification questions (e-mail, ZIP), nor details that would do as well (phone, street).
Names, city, state and country stay: they say who and roughly where, and are on the page's
title anyway. Plain functions over plain values.
"""

from __future__ import annotations

import dataclasses

from customers.contact import Contact, phone_display
from customers.creating.duplicates import DuplicateReport
from customers.matching import Identifiers, Match, normalize_email, phones_equal
from customers.revcent import CustomerDetail

DOT = "•"
HIDDEN = DOT * 3


def mask_email(email: str) -> str:
    """j•••@example.com: the first letter and the domain."""
    local, _, domain = email.partition("@")
    if not email:
        return ""
    return f"{local[:1]}{HIDDEN}@{domain}" if domain else HIDDEN


def mask_zip(zip_code: str) -> str:
    """3•••: the first character only (it says roughly where, as the city beside it does);
    anything short is hidden whole. More digits would answer the ZIP question half-way."""
    value = zip_code.strip()
    if not value:
        return ""
    if len(value) <= 3:
        return HIDDEN
    return value[0] + HIDDEN


def mask_phone(phone: str) -> str:
    """+1 •••-•••-••23: the number as people read it, every digit but the last two hidden."""
    shown = phone_display(phone.strip())
    digits = sum(ch.isdigit() for ch in shown)
    if digits <= 4:
        return HIDDEN if shown else ""
    # The country code says which country, not who: keep it.
    code, rest = shown.split(" ", 1) if shown.startswith("+") and " " in shown else ("", shown)
    masked, left = [], sum(ch.isdigit() for ch in rest)
    for ch in rest:
        if ch.isdigit():
            left -= 1
            masked.append(ch if left < 2 else DOT)
        else:
            masked.append(ch)
    return f"{code} {''.join(masked)}".strip()


def mask_text(value: str) -> str:
    """7•••: a street line's first character only."""
    return f"{value.strip()[:1]}{HIDDEN}" if value.strip() else ""


def contact_masked[C: Contact](contact: C) -> C:
    return dataclasses.replace(
        contact,
        email=mask_email(contact.email),
        phone=mask_phone(contact.phone),
        zip=mask_zip(contact.zip),
        address_line_1=mask_text(contact.address_line_1),
        address_line_2=mask_text(contact.address_line_2),
    )


def customer_masked(detail: CustomerDetail) -> CustomerDetail:
    """The customer as an agent sees them before the caller is verified."""
    return dataclasses.replace(
        detail,
        contact=contact_masked(detail.contact),
        bill_to=contact_masked(detail.bill_to) if detail.bill_to else None,
    )


def _same_text(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().casefold() == b.strip().casefold()


def match_as_shown(match: Match, typed: Identifiers) -> Match:
    """A duplicate match as the create page shows it, before any caller check.

    The duplicate panel answers whoever types a name, so it must not become a way round
    caller verification: a match's e-mail, phone, ZIP and street are shown in full only
    where they equal what the agent typed (the agent knows those already, and seeing them
    is what makes "same e-mail" believable); the rest is masked. Opening the match (its
    customer page) asks for the caller check as usual.
    """
    who = match.candidate
    typed_as = {
        # The address exactly as typed: a +tag the agent did not type is not theirs to see.
        "email": bool(who.email) and normalize_email(who.email) == normalize_email(typed.email),
        # Each number read by its own country, as the matching does.
        "phone": phones_equal(who.phone, who.country, typed.phone, typed.country),
        "zip": _same_text(who.zip, typed.zip),
        "address_line_1": _same_text(who.address_line_1, typed.address_line_1),
        "address_line_2": _same_text(who.address_line_2, typed.address_line_2),
    }
    # The page's one masking rule, with the values the agent typed put back.
    shown = dataclasses.replace(
        contact_masked(who), **{name: getattr(who, name) for name, same in typed_as.items() if same}
    )
    return dataclasses.replace(match, candidate=shown)


def report_as_shown(report: DuplicateReport, typed: Identifiers) -> DuplicateReport:
    return dataclasses.replace(report, matches=[match_as_shown(m, typed) for m in report.matches])
