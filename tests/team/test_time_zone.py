"""A person's own time zone: chosen on their settings page, used for the times the app
shows them and for the team overview's days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from customers.models import AuditEntry, TimeZonePreference
from customers.team.timezones import SESSION_KEY
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db
URL = reverse("account-settings")


def test_the_page_offers_the_zones_and_defaults_to_time_zone(agent_client, settings):
    html = agent_client.get(URL).content.decode()
    assert '<option value="UTC" selected>UTC</option>' in html
    assert '<option value="America/New_York">America/New York</option>' in html


def test_choosing_a_zone_saves_it_and_uses_it_at_once(agent_client, agent):
    response = agent_client.post(URL, {"time_zone": "Asia/Kolkata"}, follow=True)
    assert "Times are now shown in Asia/Kolkata." in response.content.decode()
    assert TimeZonePreference.objects.get(user=agent).time_zone == "Asia/Kolkata"
    assert agent_client.session[SESSION_KEY] == "Asia/Kolkata"
    assert '<option value="Asia/Kolkata" selected>' in response.content.decode()


def test_a_zone_that_does_not_exist_is_refused_beside_the_field(agent_client, agent):
    response = agent_client.post(URL, {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not TimeZonePreference.objects.exists()


def test_the_zone_comes_back_at_the_next_sign_in(client, auditor):
    TimeZonePreference.objects.create(user=auditor, time_zone="Europe/Paris")
    login_verified(client, auditor)
    assert client.session[SESSION_KEY] == "Europe/Paris"


def test_the_overview_cuts_days_in_the_readers_zone(client, auditor, agent):
    # 23:30 UTC on the 5th is the 6th in Paris.
    AuditEntry.objects.create(
        created_at=datetime(2026, 12, 5, 23, 30, tzinfo=UTC),
        kind="api_call",
        operation="CreateCustomer",
        outcome="ok",
        user=agent,
        username=agent.username,
        channel="web",
    )
    with time_machine.travel(datetime(2026, 12, 6, 12, tzinfo=UTC), tick=False):
        login_verified(client, auditor)
        in_utc = client.get(reverse("team-overview"), {"period": "today"})
        assert "UTC" in in_utc.content.decode()
        [(_, created)] = in_utc.context["sections"][0][0].rows
        assert created[-1].value == 0
        client.post(URL, {"time_zone": "Europe/Paris"})
        in_paris = client.get(reverse("team-overview"), {"period": "today"})
        assert "Europe/Paris" in in_paris.content.decode()
        [(day, created)] = in_paris.context["sections"][0][0].rows
        assert (day, created[-1].value) == ("2026-12-06", 1)
        assert client.get(created[-1].url).context["cl"].result_count == 1


def test_card_link_expiry_and_the_timeline_name_the_zone(agent_client, agent, sandbox):
    from customers.models import CardLink
    from tests.seeded import JANE

    agent_client.post(URL, {"time_zone": "Europe/Paris"})
    CardLink.objects.create(
        customer_id=JANE,
        created_by=agent,
        channel="copy",
        expires_at=datetime(2030, 1, 7, 14, 0, tzinfo=UTC),
    )
    html = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert "Active until 7 Jan 15:00 CET" in html
    assert " CET</td>" in html.split('data-testid="timeline"', 1)[1]


def test_the_audit_list_a_figure_opens_names_the_zone_of_its_times(client, auditor, agent):
    # The overview's day in Auckland opens rows timed 7 Dec there; the list said "7 Dec 2026,
    # 01:30:00" with no zone, beside an overview that names one.
    AuditEntry.objects.create(
        created_at=datetime(2026, 12, 6, 12, 30, tzinfo=UTC),
        kind="api_call",
        operation="CreateCustomer",
        outcome="ok",
        user=agent,
        username=agent.username,
        channel="web",
    )
    with time_machine.travel(datetime(2026, 12, 6, 13, tzinfo=UTC), tick=False):
        login_verified(client, auditor)
        client.post(URL, {"time_zone": "Pacific/Auckland"})
        page = client.get(reverse("team-overview"), {"period": "today"})
        [(day, created)] = page.context["sections"][0][0].rows
        assert day == "2026-12-07"
        listed = client.get(created[-1].url).content.decode()
    assert "7 Dec 2026, 01:30:00 NZDT" in listed
    # The day it was opened on, not the date hierarchy's "December 2026" alone.
    assert "Rows from 7 Dec 2026, 00:00:00 NZDT up to 8 Dec 2026, 00:00:00 NZDT." in listed


def test_a_list_opened_with_no_range_or_a_tampered_one_names_none(client, auditor):
    login_verified(client, auditor)
    url = reverse("admin:customers_auditentry_changelist")
    assert 'data-testid="list-period"' not in client.get(url).content.decode()
    tampered = client.get(url, {"created_at__gte": "abc", "created_at__lt": "2026-12-08"})
    assert tampered.status_code < 500
    assert 'data-testid="list-period"' not in tampered.content.decode()
