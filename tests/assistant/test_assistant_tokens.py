"""Assistant tokens: made by their owner, shown once, checked at every use, revocable."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from customers.assistant.models import AssistantToken, Scope
from customers.assistant.tokens import check_token, token_allows, token_mint
from customers.team.roles import AGENTS
from tests.audit_helpers import Operation, audit_rows

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"sdk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def make_token(client, **fields) -> str:
    data = {"name": "Claude on my laptop", "scopes": [Scope.READ], "days": 7, **fields}
    page = client.post(reverse("assistant-tokens"), data).content.decode()
    found = TOKEN.search(page)
    assert found, page
    return found.group()


def test_an_agent_makes_a_token_and_sees_it_once(agent_client, agent):
    raw = make_token(agent_client, scopes=[Scope.READ, Scope.CREATE])
    token = AssistantToken.objects.get(user=agent)
    assert raw.startswith(token.prefix) and raw not in token.secret_hash
    assert token.scopes == [Scope.READ, Scope.CREATE]
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    later = agent_client.get(reverse("assistant-tokens")).content.decode()
    assert raw not in later and f"{token.prefix}…" in later and "customers:create" in later
    [row] = audit_rows(operation=Operation.ASSISTANT_TOKEN_CREATED)
    assert token.prefix in row.message and raw not in row.message and row.user == agent


def test_the_page_offers_only_what_the_role_allows(auditor_client, auditor):
    page = auditor_client.get(reverse("assistant-tokens")).content.decode()
    assert Scope.READ in page and Scope.CREATE not in page
    response = auditor_client.post(
        reverse("assistant-tokens"), {"name": "x", "scopes": [Scope.CREATE], "days": 7}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not AssistantToken.objects.exists()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"days": 31}, "less than or equal to 30"),
        ({"days": 0}, "greater than or equal to 1"),
        ({"scopes": []}, "Choose at least one thing the assistant may do."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_named_next_to_its_field(agent_client, fields, says):
    data = {"name": "mine", "scopes": [Scope.READ], "days": 7, **fields}
    page = agent_client.post(reverse("assistant-tokens"), data).content.decode()
    assert says in page and not TOKEN.search(page)
    assert not AssistantToken.objects.exists()


def test_someone_without_a_role_has_no_token_page(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("assistant-tokens")).status_code == 403


def test_a_good_token_checks_and_its_use_is_noted(agent_client):
    raw = make_token(agent_client)
    checked = check_token(raw)
    assert checked.token is not None and checked.token.last_used_at is not None
    assert token_allows(checked.token, Scope.READ)
    assert not token_allows(checked.token, Scope.CREATE)  # not ticked


def test_a_token_stops_working_when_expired_revoked_or_its_person_leaves(agent_client, agent):
    raw = make_token(agent_client)
    assert check_token(raw, now=timezone.now() + timedelta(days=8)).refusal == "token expired"
    agent.is_active = False
    agent.save()
    assert check_token(raw).refusal == "user deactivated"
    agent.is_active = True
    agent.save()
    token = AssistantToken.objects.get()
    agent_client.post(reverse("assistant-token-revoke", args=[token.prefix]))
    assert check_token(raw).refusal == "token revoked"
    assert check_token(raw[:-1] + ("A" if raw[-1] != "A" else "B")).refusal == "unknown token"
    assert check_token("not-ours").refusal == "unknown token"


def test_a_scope_lapses_when_the_role_is_taken_away(agent_client, agent):
    raw = make_token(agent_client, scopes=[Scope.READ, Scope.CREATE])
    agent.groups.remove(Group.objects.get(name=AGENTS))
    token = check_token(raw).token
    assert token is not None  # the token itself still checks ...
    assert not token_allows(token, Scope.CREATE)  # ... but gives nothing the role lost
    assert not token_allows(token, Scope.READ)


def test_only_the_owner_or_an_admin_revokes(agent_client, make_user, client):
    make_token(agent_client)
    token = AssistantToken.objects.get()
    other = make_user("other", group=AGENTS)
    client.force_login(other)
    response = client.post(reverse("assistant-token-revoke", args=[token.prefix]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_admin_revokes_from_the_team_pages(agent_client, admin_client_verified, admin_user):
    make_token(agent_client)
    token = AssistantToken.objects.get()
    response = admin_client_verified.post(
        reverse("admin:customers_assistanttoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    [row] = audit_rows(operation=Operation.ASSISTANT_TOKEN_REVOKED)
    assert token.prefix in row.message and row.user == admin_user


def test_the_command_prints_the_token_alone_on_its_last_line(agent):
    out = io.StringIO()
    call_command(
        "assistant_token", "create", agent.username, "--scopes", "customers:read", stdout=out
    )
    last = out.getvalue().strip().splitlines()[-1]
    assert TOKEN.fullmatch(last)
    assert check_token(last).token is not None
    token = AssistantToken.objects.get()
    call_command("assistant_token", "revoke", token.prefix, stdout=io.StringIO())
    assert check_token(last).refusal == "token revoked"
    rows = audit_rows(operation__startswith="AssistantToken")
    assert [row.operation for row in rows] == [
        Operation.ASSISTANT_TOKEN_CREATED,
        Operation.ASSISTANT_TOKEN_REVOKED,
    ]
    assert all(row.username == "manage.py assistant_token" for row in rows)


def test_revoking_asks_first_and_names_the_token(agent_client):
    make_token(agent_client)
    token = AssistantToken.objects.get()
    page = agent_client.get(reverse("assistant-tokens")).content.decode()
    revoke = reverse("assistant-token-revoke", args=[token.prefix])
    assert f'href="{revoke}"' in page  # a link to the question, not a button that acts
    question = agent_client.get(revoke)
    assert question.status_code == 200
    text = question.content.decode()
    assert f'Revoke token <span class="mono">{token.prefix}…</span>?' in text
    assert "refused from its next call" in text and "Keep it" in text
    assert AssistantToken.objects.get().revoked_at is None  # asking changed nothing
    response = agent_client.post(revoke)
    assert response.status_code == 302 and response["Location"] == reverse("assistant-tokens")
    assert AssistantToken.objects.get().revoked_at is not None
    again = agent_client.get(revoke).content.decode()
    assert "it no longer works" in again and "Revoke token</button>" not in again


def test_an_admin_revokes_from_the_tokens_own_admin_page(agent, admin_client_verified, admin_user):
    token, _ = token_mint(user=agent, name="laptop", scopes=[Scope.READ], days=7)
    page = admin_client_verified.get(
        reverse("admin:customers_assistanttoken_change", args=[token.pk])
    ).content.decode()
    revoke = reverse("assistant-token-revoke", args=[token.prefix])
    assert f'href="{revoke}"' in page and "Revoke this token…" in page
    response = admin_client_verified.post(revoke)
    assert response["Location"] == reverse("admin:customers_assistanttoken_changelist")
    token.refresh_from_db()
    assert token.revoked_by == admin_user
