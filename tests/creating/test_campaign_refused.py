"""A campaign RevCent does not know is marked on the campaign field at Create, with what to
do, and everything the agent typed is kept for the next try."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from customers.models import Campaign, CreateAttempt
from tests.helpers import CUSTOMER, create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")


@pytest.fixture
def unknown_campaign(db) -> Campaign:
    # A RevCent ID's shape (so the admin's check let it through), but no such campaign.
    return Campaign.objects.create(name="Spring sale", revcent_id="NoSuchCampaignAtAll1")


def _campaign_errors(page: str) -> list[str]:
    return [html.unescape(e) for e in re.findall(r'id="id_options-campaign_error">([^<]*)<', page)]


def test_a_campaign_revcent_refuses_is_marked_on_its_field(agent_client, unknown_campaign):
    response = agent_client.post(URL, create_post(unknown_campaign))
    assert response.status_code == 200
    page = response.content.decode()
    assert _campaign_errors(page) == [
        "RevCent did not accept the campaign: “Campaign 'NoSuchCampaignAtAll1' does not "
        "exist.” The customer was not created. Choose another campaign, and tell an admin to "
        "check this one's RevCent ID under Campaigns."
    ]
    # The summary at the top leads to the field.
    assert 'href="#id_options-campaign"' in page
    assert "RevCent did not accept the customer." in page
    # Everything typed is there for the next try, the campaign still chosen.
    for value in (CUSTOMER["first_name"], CUSTOMER["last_name"], CUSTOMER["email"]):
        assert f'value="{value}"' in page
    assert re.search(rf'<option value="{unknown_campaign.pk}" selected>', page)
    assert CreateAttempt.objects.get().state == CreateAttempt.State.FAILED


def test_the_next_try_with_a_good_campaign_creates(agent_client, unknown_campaign, campaign):
    agent_client.post(URL, create_post(unknown_campaign))
    response = agent_client.post(URL, create_post(campaign))
    assert response.status_code == 302
    assert CreateAttempt.objects.filter(state=CreateAttempt.State.CREATED).count() == 1


def test_a_campaign_taken_off_the_list_meanwhile_is_marked_too(agent_client, campaign):
    spring = Campaign.objects.create(name="Spring sale", revcent_id="SpringSale0000000001")
    data = create_post(spring)
    spring.active = False  # an admin takes it off while the agent types
    spring.save()
    page = agent_client.post(URL, data).content.decode()
    assert _campaign_errors(page) == [
        "This campaign is no longer offered (an admin changed the list since the page was "
        "opened): choose one of those shown."
    ]
    assert f'value="{CUSTOMER["email"]}"' in page
    assert not CreateAttempt.objects.exists()
