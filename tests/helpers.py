"""Building create-customer form posts the way a browser would."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence

from customers.models import Campaign
from customers.revcent.contract import ContactBody, CreateCustomerBody

CUSTOMER = {
    "first_name": "Ana",
    "last_name": "Diaz",
    "email": "ana.diaz@example.com",
    "phone": "(305) 555-0199",
    "city": "Miami",
    "state": "FL",
    "zip": "33130",
    "country": "USA",
}


def create_post(
    campaign,
    *,
    key: str | None = None,
    customer: Mapping[str, str] | None = None,
    bill_to: Mapping[str, str] | None = None,
    metadata: Sequence[tuple[str, str]] = (),
    **options,
) -> dict[str, str]:
    data = {
        "options-submission_key": key or str(uuid.uuid4()),
        "options-campaign": str(campaign.pk),
        "metadata-TOTAL_FORMS": str(len(metadata)),
        "metadata-INITIAL_FORMS": "0",
    }
    for name, value in (CUSTOMER if customer is None else customer).items():
        data[f"customer-{name}"] = value
    if bill_to is not None:
        data["options-billing_differs"] = "on"
        for name, value in bill_to.items():
            data[f"bill_to-{name}"] = value
    for index, (name, value) in enumerate(metadata):
        data[f"metadata-{index}-name"] = name
        data[f"metadata-{index}-value"] = value
    for name, value in options.items():
        data[f"options-{name}"] = value
    return data


def stored_body(campaign: Campaign, customer: ContactBody) -> CreateCustomerBody:
    """A CreateCustomer body as a CreateAttempt keeps it, with only the fields a test needs."""
    return {"campaign": campaign.revcent_id, "customer": customer}


def submission_key(html: str) -> str:
    found = re.search(r'name="options-submission_key" value="([^"]+)"', html)
    assert found is not None, "the page has no submission key"
    return found.group(1)


def sent_bodies(monkeypatch) -> list[CreateCustomerBody]:
    """Record every CreateCustomer body the client sends."""
    from customers.revcent import RevCentClient

    bodies: list[CreateCustomerBody] = []
    original = RevCentClient.create_customer

    def spy(self, payload, *, actor):
        bodies.append(payload)
        return original(self, payload, actor=actor)

    monkeypatch.setattr(RevCentClient, "create_customer", spy)
    return bodies
