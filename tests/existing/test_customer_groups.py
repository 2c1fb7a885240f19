"""Adding a customer to groups: only on request, only after a confirmation."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers.sandbox.models import SandboxCustomer
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.conftest import login_verified
from tests.helpers import create_post
from tests.seeded import JANE, RETIRED, VIP, WHOLESALE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


@pytest.fixture
def created_id(agent_client: Client, campaign) -> str:
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    return response["Location"].strip("/").split("/")[-1]


def groups_url(customer_id: str) -> str:
    return reverse("customer-groups", args=[customer_id])


def test_the_list_shows_enabled_groups_only(agent_client, created_id):
    html = agent_client.get(groups_url(created_id)).content.decode()
    assert "VIP" in html and "Wholesale" in html and "Do not contact" in html
    assert "Legacy 2019 promo" not in html


def test_nothing_is_added_before_the_confirmation(agent_client, created_id):
    response = agent_client.post(
        groups_url(created_id), {"step": "confirm", "customer_groups": [VIP, WHOLESALE]}
    )
    html = response.content.decode()
    assert 'data-testid="groups-confirm"' in html
    assert "Add <strong>Ana Diaz</strong> (ana.diaz@example.com) to:" in html
    assert "<strong>VIP</strong>" in html and "<strong>Wholesale</strong>" in html
    assert not audit_rows(operation=Operation.ADD_CUSTOMER_TO_GROUP)
    assert not SandboxCustomer.objects.get(pk=created_id).groups.exists()


def test_confirmed_groups_are_added_and_read_back(agent_client, created_id):
    response = agent_client.post(
        groups_url(created_id), {"step": "add", "customer_groups": [VIP, WHOLESALE]}
    )
    assert response["Location"] == reverse("customer-detail", args=[created_id])
    page = agent_client.get(response["Location"]).content.decode()
    assert "Added to VIP, Wholesale." in page
    assert '<dd data-testid="customer-groups">VIP, Wholesale' in page
    [call] = assert_audited(Operation.ADD_CUSTOMER_TO_GROUP)
    assert call.outcome == "ok" and call.target_customer_id == created_id
    assert call.path == f"/customers/{created_id}/customer_group"
    gets = audit_rows(operation=Operation.GET_CUSTOMER, target_customer_id=created_id)
    assert gets[-1].created_at > call.created_at  # read back after the change


def test_a_disabled_or_unknown_group_is_refused(agent_client, created_id):
    response = agent_client.post(
        groups_url(created_id), {"step": "add", "customer_groups": [RETIRED]}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not audit_rows(operation=Operation.ADD_CUSTOMER_TO_GROUP)


def test_choosing_nothing_says_so(agent_client, created_id):
    html = agent_client.post(groups_url(created_id), {"step": "confirm"}).content.decode()
    assert "Choose at least one group." in html


def test_groups_already_held_are_not_offered(agent_client, created_id):
    agent_client.post(groups_url(created_id), {"step": "add", "customer_groups": [VIP]})
    html = agent_client.get(groups_url(created_id)).content.decode()
    assert f'value="{VIP}"' not in html and f'value="{WHOLESALE}"' in html


def test_the_group_list_is_cached_for_a_few_minutes(agent_client, created_id):
    agent_client.get(groups_url(created_id))
    agent_client.get(groups_url(created_id))
    assert_audited(Operation.GET_CUSTOMER_GROUPS)
    assert cache.get("revcent-customer-groups:v1")


def test_an_existing_customer_needs_the_caller_verified(agent_client):
    response = agent_client.get(groups_url(JANE))
    assert response["Location"] == reverse("customer-detail", args=[JANE])
    agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": "33101"})
    assert agent_client.get(groups_url(JANE)).status_code == 200


def test_an_upstream_failure_is_explained(agent_client, created_id, monkeypatch):
    from customers.revcent import RevCentClient, RevCentUnavailable

    def down(self, *args, **kwargs):
        raise RevCentUnavailable("RevCent did not answer in time. Nothing was changed.")

    monkeypatch.setattr(RevCentClient, "add_customer_to_groups", down)
    response = agent_client.post(groups_url(created_id), {"step": "add", "customer_groups": [VIP]})
    page = agent_client.get(response["Location"]).content.decode()
    assert "No groups were added: RevCent did not answer in time." in page


def test_auditors_cannot_change_groups(created_id, auditor):
    auditor_client = Client()
    login_verified(auditor_client, auditor)
    response = auditor_client.post(
        groups_url(created_id), {"step": "add", "customer_groups": [VIP]}
    )
    assert response.status_code == 403
