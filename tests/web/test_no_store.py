"""Pages with customer data are never stored by a browser or a proxy (Cache-Control:
no-store); the empty create form is, so Back from a match's page returns to it as typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
HTMX = {"HX-Request": "true"}


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_agent_pages_with_customer_data_are_not_stored(agent_client, campaign):
    agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": "33101"})
    responses = {
        "home": agent_client.get(reverse("home")),
        "customer page": agent_client.get(reverse("customer-detail", args=[JANE])),
        "unknown customer": agent_client.get(reverse("customer-detail", args=["X" * 20])),
        "groups": agent_client.get(reverse("customer-groups", args=[JANE])),
        "lookup results": agent_client.post(
            reverse("customer-search"), {"q": "Jane Doe"}, follow=True
        ),
        "duplicate panel": agent_client.post(
            reverse("customer-duplicates"), {"customer-email": "jane@example.com"}, headers=HTMX
        ),
        "duplicate gate": agent_client.post(
            reverse("customer-create"),
            create_post(campaign, customer={**CUSTOMER, "email": "jane@example.com"}),
        ),
    }
    assert "Jane" in responses["lookup results"].content.decode()
    assert "Jane" in responses["duplicate gate"].content.decode()
    assert {name for name, response in responses.items() if not no_store(response)} == set()


def test_the_empty_create_form_stays_in_the_back_forward_cache(agent_client, campaign):
    assert not no_store(agent_client.get(reverse("customer-create")))


def test_the_audit_trail_is_not_stored(auditor_client):
    # Django admin's views are never_cache already (AdminSite.admin_view): this keeps it so.
    auditor_client.get(reverse("customer-detail", args=[JANE]))  # a row about Jane
    changelist = reverse("admin:customers_auditentry_changelist")
    for response in (
        auditor_client.get(changelist, {"q": JANE}),
        auditor_client.get(changelist + "export.csv"),
    ):
        assert response.status_code == 200
        assert no_store(response)
