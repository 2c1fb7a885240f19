"""The card-number sweep over every other form and query of the support app.

The create form has its own sweep (test_card_number_sweep.py); this one posts a card
number into each remaining form field and query, by plain POST/GET and by htmx, then scans
the responses, the database (sessions decoded), the cache, the logs and every request
sent to RevCent, and finds nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import AuditEntry
from tests.cardguard.test_card_number_sweep import _holds, find_pan_anywhere
from tests.conftest import login_verified
from tests.helpers import create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
PAN = "4111 1111 1111 1111"


def forms(
    agent, auditor, campaign
) -> list[tuple[str, Client, str, str, dict[str, str], dict[str, str]]]:
    """(what, client, method, url, data, headers) for every form and query but the create."""
    agent_client, auditor_client, anonymous = Client(), Client(), Client()
    agent_client.force_login(agent)
    login_verified(auditor_client, auditor)
    htmx = {"HX-Request": "true"}
    panel = {f"customer-{k}": PAN for k in ("email", "phone", "first_name", "last_name")}
    return [
        ("sign-in username", anonymous, "post", reverse("login"),
         {"username": PAN, "password": "x"}, {}),
        ("sign-in password", anonymous, "post", reverse("login"),
         {"username": "alice", "password": PAN}, {}),
        ("duplicate panel", agent_client, "post", reverse("customer-duplicates"),
         {**panel, "options-internal_customer_id": PAN}, htmx),
        ("caller verification", agent_client, "post", reverse("caller-verify", args=[JANE]),
         {"kind": "zip", "answer": PAN}, {}),
        ("card link channel", agent_client, "post", reverse("card-link-create", args=[JANE]),
         {"channel": PAN}, {}),
        ("groups", agent_client, "post", reverse("customer-groups", args=[JANE]),
         {"step": "confirm", "customer_groups": PAN}, {}),
        ("metadata rows", agent_client, "post", reverse("customer-create"),
         {**create_post(campaign), "_action": "remove_metadata:0", "metadata-TOTAL_FORMS": PAN},
         htmx),
        ("admin search", auditor_client, "get",
         reverse("admin:customers_auditentry_changelist"), {"q": PAN}, {}),
        ("admin export", auditor_client, "get",
         reverse("admin:customers_auditentry_export"), {"q": PAN}, {}),
        ("customer page query", agent_client, "get",
         reverse("customer-detail", args=[JANE]), {"note": PAN}, {}),
    ]  # fmt: skip


def test_a_card_number_in_any_other_form_is_kept_nowhere(
    agent,
    auditor,
    campaign,
    upstream,
    logs,
    caplog,
):
    bodies = []
    for what, client, method, url, data, headers in forms(agent, auditor, campaign):
        response = getattr(client, method)(url, data, headers=headers)
        assert response.status_code < 500, what
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not _holds(body.decode(errors="replace"), PAN), what
        bodies.append(body)
    assert not [sent for sent in upstream if _holds(sent, PAN)]
    assert find_pan_anywhere(PAN, response_bodies=bodies, caplog=caplog, streams=[logs()]) == []
    # Each refusal was audited by field name.
    refused = " ".join(
        AuditEntry.objects.filter(operation="CardNumberRefused").values_list("message", flat=True)
    )
    for field in ("username", "password", "answer", "channel", "customer_groups", "q", "note"):
        assert field in refused, field
