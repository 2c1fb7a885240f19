"""An audit entry's page in the admin, as an auditor reads it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from customers import audit
from customers.audit import Actor
from customers.audit.labels import HELP, LABELS, entry_page_fields
from customers.models import AuditEntry


def test_every_field_on_the_page_has_a_label_and_help():
    fields = entry_page_fields()
    assert not {"api_call_unix", "user", "created_at", "completed_at"} & set(fields)
    assert [name for name in fields if name not in LABELS or name not in HELP] == []


@pytest.mark.django_db
def test_it_shows_human_labels_revcents_time_as_a_date_and_no_dead_user_link(
    auditor_client, agent, settings
):
    settings.TIME_ZONE = "UTC"
    entry = audit.api_call_started(
        operation=AuditEntry.Operation.GET_CUSTOMER,
        http_method="GET",
        path="/v2/customers/x",
        actor=Actor(user=agent),
        sandbox=True,
    )
    audit.api_call_completed(
        entry, outcome="ok", duration_ms=5, api_call_id="abc123", api_call_unix=1795874400
    )
    response = auditor_client.get(reverse("admin:customers_auditentry_change", args=[entry.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Api call unix" not in html and "Duration ms" not in html
    assert "RevCent&#x27;s time" in html or "RevCent's time" in html
    assert "28 Nov 2026, 14:00:00 UTC (Unix 1795874400)" in html
    assert "How long the agent waited for RevCent, in milliseconds." in html
    # The user links to their entries in the trail, never to the account page (403 to them).
    assert reverse("admin:auth_user_change", args=[agent.pk]) not in html
    found = re.search(r'href="([^"]*user__id__exact=\d+)"', html)
    assert found is not None
    link = found.group(1)
    assert auditor_client.get(link.replace("&amp;", "&")).status_code == 200
