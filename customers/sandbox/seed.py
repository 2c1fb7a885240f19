"""Demo data for the sandbox: campaigns, customer groups and customers to find.

Fixed IDs, so seeding is idempotent and several workers may do it at once.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction

from customers.sandbox.models import SandboxCampaign, SandboxCustomer, SandboxGroup

CAMPAIGNS = [
    ("SbxCampaignDefault01", "Default Campaign"),
    ("SbxCampaignPhone0002", "Phone Orders"),
    ("SbxCampaignWholesal3", "Wholesale"),
]

GROUPS = [
    ("SbxGroupVip000000001", "VIP", "High-value customers", True),
    ("SbxGroupWholesale002", "Wholesale", "Trade accounts", True),
    ("SbxGroupNoContact003", "Do not contact", "No marketing e-mail or calls", True),
    ("SbxGroupBetaTester04", "Beta testers", "Early access programme", True),
    ("SbxGroupRetired00005", "Legacy 2019 promo", "Retired group", False),
]

# fmt: off
# (id, first, last, email, phone, address, city, state, zip, country, internal id, days ago)
CUSTOMERS = [
    # The CreateCustomer guide's own example.
    ("SbxCustJaneDoe000001", "Jane", "Doe", "jane@example.com", "555-555-5555",
     "123 Main St", "Miami", "FL", "33101", "USA", "", 30),
    ("SbxCustJohnSmith0002", "John", "Smith", "john.smith@example.com", "+1 212 555 0147",
     "1 Broadway", "New York", "NY", "10004", "USA", "CRM-1001", 21),
    ("SbxCustMariaGarcia03", "María", "García", "maria.garcia@example.es", "+34 912 345 678",
     "Calle Mayor 5", "Madrid", "", "28013", "ESP", "CRM-1002", 14),
    ("SbxCustAliceNguyen04", "Alice", "Nguyen", "alice+shop@example.com", "(415) 555-0199",
     "500 Market St", "San Francisco", "CA", "94105", "USA", "", 9),
    ("SbxCustRobertoRossi5", "Roberto", "Rossi", "r.rossi@example.it", "+39 06 1234 5678",
     "Via Roma 10", "Rome", "", "00184", "ITA", "CRM-1003", 7),
    ("SbxCustPriyaPatel006", "Priya", "Patel", "priya.patel@example.co.uk", "+44 20 7946 0958",
     "10 Downing Pl", "London", "", "SW1A 2AA", "GBR", "", 5),
    ("SbxCustJaneDoeTwo007", "Jane", "Doe", "jdoe@example.org", "305-555-0100",
     "77 Ocean Dr", "Miami", "FL", "33139", "USA", "", 3),
]
# fmt: on

_seeded = False


def ensure_seeded() -> None:
    """Create the demo data if it is missing; free after the first call in a process."""
    global _seeded
    if _seeded:
        return
    seed()
    _seeded = True


def forget_seeding() -> None:
    """For tests that empty the database: the next call seeds again."""
    global _seeded
    _seeded = False


def seed() -> None:
    now = int(time.time())
    for pk, name in CAMPAIGNS:
        _insert_if_missing(SandboxCampaign(pk=pk, name=name))
    for pk, name, description, enabled in GROUPS:
        _insert_if_missing(
            SandboxGroup(
                pk=pk,
                name=name,
                description=description,
                enabled=enabled,
                created_unix=now - 400 * 86400,
            )
        )
    for row in CUSTOMERS:
        pk, first, last, email, phone, address, city, state, zip_code, country, internal, days = row
        customer = SandboxCustomer(
            id=pk,
            created_unix=now - days * 86400,
            campaign_id=CAMPAIGNS[0][0],
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            address_line_1=address,
            city=city,
            state=state,
            zip=zip_code,
            country=country,
            internal_id=internal,
            metadata=[{"name": "source", "value": "sandbox seed"}],
        )
        customer.index()
        _insert_if_missing(customer)


def _insert_if_missing(instance: SandboxCampaign | SandboxCustomer | SandboxGroup) -> None:
    if type(instance).objects.filter(pk=instance.pk).exists():
        return
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        pass  # another worker seeded it first
