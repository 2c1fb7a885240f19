"""The duplicate gate's outcomes on the trail, for the team overview: stopped at the gate,
went to the existing customer (Use), created anyway (tests/creating/test_customer_create.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.audit_helpers import Operation, assert_audited
from tests.conftest import login_verified
from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")


def test_a_stop_at_the_gate_is_audited_naming_the_match(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": "JANE@example.com"})
    html = agent_client.post(URL, data).content.decode()
    [stop] = assert_audited(Operation.DUPLICATE_GATE_STOPPED)
    assert (
        stop.message == f"Stopped at the duplicate gate by 1 strong match ({JANE}: Email matches)."
    )
    assert stop.target_customer_id == JANE
    assert stop.username == "alice" and stop.channel == "web"
    # The gate's Use says where it came from; the panel's own Use does not.
    assert f"{reverse('customer-detail', args=[JANE])}?via=gate" in html


def test_use_from_the_gate_is_audited_once_and_a_plain_visit_not_at_all(agent_client):
    page = reverse("customer-detail", args=[JANE])
    agent_client.get(page)
    assert_audited(Operation.DUPLICATE_MATCH_USED, count=0)
    agent_client.get(f"{page}?via=gate")
    agent_client.get(f"{page}?via=gate")  # a reload is not a second decision
    [used] = assert_audited(Operation.DUPLICATE_MATCH_USED)
    assert used.customer_id == JANE and used.username == "alice"


def test_an_auditor_following_such_a_link_records_nothing(client, auditor):
    login_verified(client, auditor)
    response = client.get(f"{reverse('customer-detail', args=[JANE])}?via=gate")
    assert response.status_code == 200
    assert_audited(Operation.DUPLICATE_MATCH_USED, count=0)
