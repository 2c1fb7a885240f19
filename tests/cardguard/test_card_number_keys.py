"""Card numbers as field names (form fields, query keys) are refused whole and kept nowhere,
and django-axes' lock-out tables keep no card number in any column."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse

from customers.models import AuditEntry, CreateAttempt
from tests.cardguard.test_card_number_sweep import _holds, find_pan_anywhere
from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
PAN = "4111111111111111"
KEYS = ["4111111111111111", "4111 1111 1111 1111", "note-4111-1111-1111-1111"]
FORM = "application/x-www-form-urlencoded"


def _lockout_rows() -> str:
    return str(
        [list(model.objects.values()) for model in (AccessAttempt, AccessLog, AccessFailureLog)]
    )


def _refusal_messages() -> str:
    return " ".join(
        AuditEntry.objects.filter(operation="CardNumberRefused").values_list("message", flat=True)
    )


@pytest.mark.parametrize("key", KEYS)
def test_a_failed_sign_in_with_a_card_shaped_extra_field_is_refused_and_stored_nowhere(
    agent, logs, caplog, key
):
    body = urlencode({"username": "alice", "password": "wrong", key: "x"})
    response = Client().post(reverse("login"), body, content_type=FORM)
    assert response.status_code == 400
    assert "A card number was refused" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert "a field name" in _refusal_messages()
    assert not _holds(_lockout_rows(), PAN)
    seen = [response.content.decode()]
    assert find_pan_anywhere(PAN, response_bodies=seen, caplog=caplog, streams=[logs()]) == []


@pytest.mark.parametrize("key", KEYS)
def test_a_card_shaped_query_key_is_refused_and_stored_nowhere(agent, logs, caplog, key):
    response = Client().post(
        reverse("login") + "?" + urlencode({key: "1"}),
        urlencode({"username": "alice", "password": "wrong"}),
        content_type=FORM,
    )
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()
    assert "a field name in the page address" in _refusal_messages()
    seen = [response.content.decode(), str(response.items())]
    assert find_pan_anywhere(PAN, response_bodies=seen, caplog=caplog, streams=[logs()]) == []


def test_a_create_with_a_card_shaped_field_name_is_refused_whole(
    agent_client, campaign, upstream, logs, caplog
):
    data = create_post(campaign)
    data["4111 1111 1111 1111"] = "gold"
    response = agent_client.post(reverse("customer-create"), urlencode(data), content_type=FORM)
    assert response.status_code == 400
    assert not CreateAttempt.objects.exists()
    assert upstream == []
    seen = [response.content.decode()]
    assert find_pan_anywhere(PAN, response_bodies=seen, caplog=caplog, streams=[logs()]) == []


def test_a_card_split_between_a_name_and_its_value_never_reaches_the_lockout_tables(agent):
    # Neither half is a card number, so the sign-in runs and fails; axes would store the
    # form as "4111 1111=1111 1111".
    body = urlencode({"username": "alice", "password": "wrong", "4111 1111": "1111 1111"})
    response = Client().post(reverse("login"), body, content_type=FORM)
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 1
    assert attempt.post_data == "" and attempt.get_data == ""
    assert not _holds(_lockout_rows(), PAN)


def test_repeated_failures_still_count_and_keep_no_form_data(agent):
    for _ in range(3):
        Client().post(
            reverse("login") + "?next=/4111+1111",
            urlencode({"username": "alice", "password": "wrong", "x": "1111 1111 1111"}),
            content_type=FORM,
        )
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 3
    assert attempt.post_data == "" and attempt.get_data == ""


def test_a_lockout_row_keeps_no_card_number_in_its_text_columns():
    # Whatever a caller hands axes (the middleware redacts headers before axes reads them).
    row = AccessLog.objects.create(
        username="4111 1111 1111 1111",
        user_agent=f"Mozilla/5.0 {PAN}",
        http_accept=f"text/html;q={PAN}",
        path_info=f"/x/{PAN}/",
        ip_address="127.0.0.1",
    )
    row.refresh_from_db()
    assert row.username == "[card number removed]"
    assert not _holds(_lockout_rows(), PAN)
