"""Campaigns are checked when an admin saves them: RevCent's 20-character ID, or the
campaign's exact name (customers/forms/campaign_admin.py), with a message on the field."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from customers.forms.campaign_admin import CampaignAdminForm
from customers.models import Campaign
from tests.seeded import DEFAULT_CAMPAIGN

pytestmark = pytest.mark.django_db
ADD = reverse("admin:customers_campaign_add")
LIST = reverse("admin:customers_campaign_changelist")
HOW = (
    "Copy the ID from the campaign in RevCent, or, to use the campaign's name instead, type "
    "its exact RevCent name both here and as Name."
)


def _form(name: str, revcent_id: str) -> CampaignAdminForm:
    return CampaignAdminForm({"name": name, "revcent_id": revcent_id, "active": "on"})


@pytest.mark.parametrize(
    ("name", "revcent_id"),
    [
        ("Phone Orders", DEFAULT_CAMPAIGN),  # a RevCent ID: 20 letters and digits
        ("Phone Orders", "mJWJbKNQ4QI8XbwmyyW7"),  # the docs' example ID
        ("Phone Orders", "Phone Orders"),  # its exact name, typed the same as Name
    ],
)
def test_an_id_or_the_exact_name_is_saved(name, revcent_id):
    form = _form(name, revcent_id)
    assert form.is_valid(), form.errors
    assert form.save().revcent_id == revcent_id


@pytest.mark.parametrize(
    ("revcent_id", "code", "message"),
    [
        (
            "abc",
            "not_an_id",
            "“abc” is not a RevCent campaign ID: an ID is exactly 20 letters and digits, "
            f"and this is 3 characters. {HOW}",
        ),
        (
            "NotARealCampaign123",
            "not_an_id",
            "“NotARealCampaign123” is not a RevCent campaign ID: an ID is exactly 20 letters "
            f"and digits, and this is 19 characters. {HOW}",
        ),
        (
            "Not-A-Real-Campaign!",
            "id_characters",
            "“Not-A-Real-Campaign!” is not a RevCent campaign ID: an ID is exactly 20 letters "
            f"and digits, and this has “-!” in it. {HOW}",
        ),
        (
            "phone orders",
            "name_capitals",
            "“phone orders” differs from the name “Phone Orders” in capitals only: RevCent "
            "matches a campaign's name exactly, so type it the same in both (or use the "
            "campaign's 20-character ID).",
        ),
    ],
)
def test_anything_else_is_refused_on_the_field(revcent_id, code, message):
    form = _form("Phone Orders", revcent_id)
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["revcent_id"]] == [code]
    assert form.errors["revcent_id"] == [message]
    assert list(form.errors) == ["revcent_id"]


def test_the_admin_shows_the_message_beside_the_field_and_keeps_the_input(admin_client_verified):
    response = admin_client_verified.post(
        ADD, {"name": "Spring sale", "revcent_id": "NotARealCampaign123", "active": "on"}
    )
    assert response.status_code == 200  # the form again, not a redirect
    page = html.unescape(response.content.decode())
    assert (
        "“NotARealCampaign123” is not a RevCent campaign ID: an ID is exactly 20 letters and "
        "digits, and this is 19 characters." in page
    )
    assert 'value="Spring sale"' in page
    assert not Campaign.objects.exists()


def test_the_admin_saves_a_good_one(admin_client_verified):
    response = admin_client_verified.post(
        ADD, {"name": "Spring sale", "revcent_id": DEFAULT_CAMPAIGN, "active": "on"}
    )
    assert response.status_code == 302
    assert Campaign.objects.get().revcent_id == DEFAULT_CAMPAIGN


def test_the_list_flags_a_campaign_saved_before_the_check(admin_client_verified):
    Campaign.objects.create(name="Old import", revcent_id="abc")
    Campaign.objects.create(name="Default Campaign", revcent_id=DEFAULT_CAMPAIGN)
    Campaign.objects.create(name="Wholesale", revcent_id="Wholesale")
    page = admin_client_verified.get(LIST).content.decode()
    assert "Neither an ID nor its name: correct it" in page
    assert page.count("Neither an ID nor its name") == 1
    assert "its ID" in page and "its name" in page
