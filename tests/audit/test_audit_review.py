"""Auditors reviewing the trail: one timeline, exports, and tamper evidence."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import audit
from customers.audit import Actor
from customers.audit.csv import csv_row, spreadsheet_safe
from customers.models import AuditEntry
from customers.revcent import get_client
from tests.conftest import login_verified
from tests.seeded import JANE

CHANGELIST = reverse("admin:customers_auditentry_changelist")
EXPORT = reverse("admin:customers_auditentry_export")


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
class TestExport:
    def test_auditors_export_the_filtered_list(self, auditor_client, agent):
        client = get_client()
        client.search_customers("jane@example.com", actor=Actor(user=agent))
        client.get_customer(JANE, actor=Actor(user=agent))
        response = auditor_client.get(EXPORT, {"operation": "GetCustomer"})
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"].startswith("text/csv")
        rows = rows_of(response)
        assert rows[0][:5] == ["id", "created_at", "completed_at", "kind", "operation"]
        assert [row[4] for row in rows[1:]] == ["GetCustomer"]

    def test_the_changelist_links_to_the_export_with_its_filters(self, auditor_client):
        html = auditor_client.get(CHANGELIST, {"outcome": "ok"}).content.decode()
        assert f'href="{EXPORT}?outcome=ok"' in html

    def test_export_needs_its_permission(self, client, make_user):
        viewer = make_user("viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
        login_verified(client, viewer)
        assert client.get(CHANGELIST).status_code == 200
        assert client.get(EXPORT).status_code == 403
        assert "Export CSV" not in client.get(CHANGELIST).content.decode()

    def test_agents_cannot_export(self, agent_client):
        assert agent_client.get(EXPORT).status_code in (302, 403)

    def test_cells_that_spreadsheets_would_run_are_escaped(self, auditor_client, agent):
        audit.agent_action(
            action=AuditEntry.Operation.DUPLICATE_OVERRIDE,
            actor=Actor(user=agent),
            message='=HYPERLINK("http://evil.example","click")',
        )
        rows = rows_of(auditor_client.get(EXPORT, {"operation": "DuplicateOverride"}))
        message = rows[1][rows[0].index("message")]
        assert message == '\'=HYPERLINK("http://evil.example","click")'

    @pytest.mark.parametrize(
        "value",
        ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
        # After any separator a spreadsheet may split the line on, spaces between or not.
        + ["x;=1+1", "x,=1+1", "x|@SUM(A1)", "x\t-1", "x\n+1", "x\r\n=1", "x; =1+1", "a;b;@c"],
    )
    def test_spreadsheet_safe(self, value):
        assert spreadsheet_safe(value) == "'" + value
        line = csv_row(["id", value])
        # Quoted whole: no separator inside can start a cell of its own.
        assert line == "id,\"'" + value + '"\r\n'
        assert next(csv.reader(io.StringIO(line))) == ["id", "'" + value]

    @pytest.mark.parametrize("value", ["plain", "x;y", "a-b", "2026-12-06 10:00:00+00:00", ""])
    def test_cells_without_a_formula_start_are_left_alone(self, value):
        assert spreadsheet_safe(value) == value
        assert csv_row([value, 1]) == f"{value},1\r\n"
        assert spreadsheet_safe(None) == ""

    def test_a_formula_after_a_semicolon_is_exported_quoted_and_prefixed(
        self, auditor_client, agent
    ):
        audit.agent_action(
            action=AuditEntry.Operation.DUPLICATE_OVERRIDE,
            actor=Actor(user=agent),
            message="x;=1+1",
        )
        response = auditor_client.get(EXPORT, {"operation": "DuplicateOverride"})
        body = b"".join(response.streaming_content).decode()
        assert ',"\'x;=1+1",' in body and ",x;=1+1," not in body


@pytest.mark.django_db
def card_link_made(user, customer_id: str) -> AuditEntry:
    return audit.agent_action(
        action=AuditEntry.Operation.CARD_LINK_CREATED,
        actor=Actor(user=user),
        customer_id=customer_id,
    )


class TestTimeline:
    def test_sign_ins_failures_and_lockouts_are_in_the_trail(self, client, agent):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        failed = AuditEntry.objects.get(operation="SignInFailed")
        assert failed.username == "alice"
        assert "wrong" not in str(AuditEntry.objects.values())
        for _ in range(10):
            client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        assert AuditEntry.objects.filter(operation="LockedOut", username="alice").exists()

    def test_a_successful_sign_in_is_recorded(self, client, agent):
        client.post(reverse("login"), {"username": "alice", "password": "pw-alice"})
        entry = AuditEntry.objects.get(operation="SignIn")
        assert entry.user == agent and entry.kind == "agent_action"

    def test_one_timeline_per_user(self, auditor_client, agent, make_user):
        bob = make_user("bob")
        card_link_made(agent, "C" * 20)
        card_link_made(bob, "D" * 20)
        html = auditor_client.get(CHANGELIST, {"user__id__exact": agent.pk}).content.decode()
        assert "C" * 20 in html and "D" * 20 not in html

    def test_the_user_filter_is_one_drop_down_that_keeps_the_other_filters(
        self, auditor_client, agent, make_user
    ):
        bob = make_user("bob")
        card_link_made(bob, "D" * 20)
        html = auditor_client.get(CHANGELIST, {"q": "D" * 20, "kind": "agent_action"}).content
        page = html.decode()
        form = page.split('class="user-filter"')[1].split("</form>")[0]
        assert '<select id="audit-user-filter" name="user__id__exact">' in form
        assert f'<option value="{bob.pk}">bob</option>' in form
        assert f'<option value="{agent.pk}">alice</option>' in form
        # Choosing a user keeps the search and the other filters.
        assert f'<input type="hidden" name="q" value="{"D" * 20}">' in form
        assert '<input type="hidden" name="kind" value="agent_action">' in form
        chosen = auditor_client.get(
            CHANGELIST, {"q": "D" * 20, "kind": "agent_action", "user__id__exact": bob.pk}
        ).content.decode()
        assert f'<option value="{bob.pk}" selected>bob</option>' in chosen
        assert ">All users</a>" in chosen  # the way back

    def test_the_user_drop_down_shows_a_teammate_added_or_renamed_since_it_was_drawn(
        self, auditor_client, agent, make_user
    ):
        def options() -> str:
            page: str = auditor_client.get(CHANGELIST).content.decode()
            return page.split('id="audit-user-filter"')[1].split("</select>")[0]

        assert "bob" not in options()
        bob = make_user("bob")
        assert f'<option value="{bob.pk}">bob</option>' in options()
        bob.username = "robert"
        bob.save()
        assert f'<option value="{bob.pk}">robert</option>' in options()
        bob.delete()
        assert "robert" not in options()

    def test_the_user_drop_down_is_drawn_once_for_the_team(self, auditor_client, agent):
        auditor_client.get(CHANGELIST)
        with CaptureQueriesContext(connection) as queries:
            page = auditor_client.get(CHANGELIST).content.decode()
        assert f'<option value="{agent.pk}">alice</option>' in page
        listed = [q["sql"] for q in queries if 'ORDER BY "auth_user"."username"' in q["sql"]]
        assert not listed, "the team's options come from the shared cache"

    def test_the_filters_mark_the_chosen_link_and_keep_the_search(self, auditor_client, agent):
        card_link_made(agent, "C" * 20)
        page = auditor_client.get(CHANGELIST, {"q": "C" * 20, "outcome__exact": "ok"})
        sidebar = page.content.decode().split('id="changelist-filter"')[1].split("</search>")[0]
        outcome = sidebar.split('data-filter-title="outcome"')[1].split("</details>")[0]
        assert "<summary> By outcome </summary>" in outcome
        assert (
            f'<li class="selected"><a href="?outcome__exact=ok&amp;q={"C" * 20}">OK</a></li>'
            in outcome
        )
        assert f'<li><a href="?q={"C" * 20}">All</a></li>' in outcome
        # Every filter's links keep the search; the chosen outcome is kept by the others.
        links = sidebar.split('href="')[1:]
        assert links and all(f"q={'C' * 20}" in link.split('"')[0] for link in links)
        kind = sidebar.split('data-filter-title="kind"')[1].split("</details>")[0]
        assert "outcome__exact=ok" in kind
        assert "Clear all filters" in sidebar

    def test_one_timeline_per_customer(self, auditor_client, agent):
        card_link_made(agent, "C" * 20)
        card_link_made(agent, "D" * 20)
        html = auditor_client.get(CHANGELIST, {"q": "C" * 20}).content.decode()
        assert f'href="?q={"C" * 20}"' in html and "D" * 20 not in html

    def test_the_date_hierarchy_never_sorts_the_whole_table(self, auditor_client, agent):
        audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=agent))
        with CaptureQueriesContext(connection) as queries:
            html = auditor_client.get(CHANGELIST).content.decode()
        assert "xfull" in html or "toplinks" in html  # the hierarchy is shown
        assert not [q for q in queries if "DISTINCT" in q["sql"] and "auditentry" in q["sql"]]

    def test_the_date_hierarchy_bounds_never_depend_on_the_filter(self, auditor_client, agent):
        # MIN/MAX over the filtered rows let PostgreSQL walk the created_at index and test
        # every row against the search (issue 27): the bounds are the whole trail's.
        audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(user=agent))
        with CaptureQueriesContext(connection) as queries:
            html = auditor_client.get(CHANGELIST, {"q": "abcdef123", "kind": "api_call"})
        assert html.status_code == 200
        bounds = [
            q["sql"] for q in queries if 'MIN("customers_auditentry"."created_at")' in q["sql"]
        ]
        assert bounds and all("WHERE" not in sql for sql in bounds), bounds

    def test_the_list_never_counts_the_whole_table(self, auditor_client):
        with CaptureQueriesContext(connection) as queries:
            assert auditor_client.get(CHANGELIST).status_code == 200
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "auditentry" in q["sql"]]
        assert counts, "the paginator should still tell whether there is a next page"
        assert all("LIMIT" in sql for sql in counts), counts


@pytest.mark.django_db
class TestTamperEvidence:
    def make_trail(self, agent) -> list[AuditEntry]:
        client = get_client()
        client.search_customers("jane@example.com", actor=Actor(user=agent))
        card_link_made(agent, "C" * 20)
        client.get_customer(JANE, actor=Actor(user=agent))
        return list(AuditEntry.objects.order_by("chain_seq"))

    def test_an_untouched_trail_verifies(self, agent):
        rows = self.make_trail(agent)
        assert [r.chain_seq for r in rows] == [1, 2, 3]
        assert rows[1].prev_hash == rows[0].row_hash
        out = io.StringIO()
        call_command("verify_audit_log", stdout=out)
        assert "3 audit entries verified." in out.getvalue()

    def _tamper(self, sql: str, params: list[str | int | None]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Behind the database's own guard: as a superuser with triggers off would.
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)

    def test_a_row_altered_in_the_database_is_named(self, agent):
        rows = self.make_trail(agent)
        self._tamper(
            "UPDATE customers_auditentry SET outcome = 'api_error' WHERE id = %s", [rows[1].pk]
        )
        with pytest.raises(CommandError, match=rf"Audit entry {rows[1].pk} \(chain position 2\)"):
            call_command("verify_audit_log")

    def test_a_row_deleted_in_the_database_is_noticed(self, agent):
        rows = self.make_trail(agent)
        self._tamper("DELETE FROM customers_auditentry WHERE id = %s", [rows[1].pk])
        with pytest.raises(CommandError, match=r"a row is missing"):
            call_command("verify_audit_log")

    def test_the_newest_row_deleted_is_noticed(self, agent):
        rows = self.make_trail(agent)
        self._tamper("DELETE FROM customers_auditentry WHERE id = %s", [rows[-1].pk])
        with pytest.raises(CommandError, match=r"newest rows are missing"):
            call_command("verify_audit_log")


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_chain(agent):
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                audit.agent_action(
                    action=AuditEntry.Operation.CARD_LINK_CREATED,
                    actor=Actor(user=agent),
                    message=f"{n}-{i}",
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == list(range(1, 81))
    call_command("verify_audit_log", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_customer_page_shows_the_customer_timeline(sandbox, agent):
    client = Client()
    client.force_login(agent)
    html = client.get(reverse("customer-detail", args=[JANE])).content.decode()
    assert 'data-testid="timeline"' in html
    viewed = "Viewed: the record was read from RevCent (GetCustomer)."
    assert f'<td data-label="What">{viewed}</td>' in html


@pytest.mark.parametrize(
    "query, status",
    [
        ({"username__regex": "^(a+)+$"}, 400),  # a lookup the page never offers: not run
        ({"username": "\x00"}, 400),
        ({"message__icontains": "x"}, 400),
        ({"q": "\x00"}, 200),  # NUL stripped from a search: nothing to look for
        ({"operation__exact": "CreateCustomer"}, 200),
        ({"outcome__exact": "ok", "kind__exact": "api_call"}, 200),
        ({"user__id__exact": "1"}, 200),
        ({"created_at__year": "2026", "created_at__month": "11"}, 200),
        ({"error_code": "x"}, 200),
    ],
)
@pytest.mark.django_db
def test_the_audit_list_runs_only_the_lookups_it_offers(auditor_client, query, status):
    url = reverse("admin:customers_auditentry_changelist")
    assert auditor_client.get(url, query).status_code == status


@pytest.mark.django_db
def test_the_audit_list_shows_times_to_the_second_and_home_leads_to_it(auditor_client):
    audit.agent_action(action=AuditEntry.Operation.SIGN_IN, actor=Actor(name="x"))
    entry = AuditEntry.objects.get(operation="SignIn", username="x")
    html = auditor_client.get(reverse("admin:customers_auditentry_changelist")).content.decode()
    assert f"{timezone.localtime(entry.created_at):%H:%M:%S}" in html
    home = auditor_client.get("/").content.decode()
    assert f'href="{reverse("admin:customers_auditentry_changelist")}"' in home
