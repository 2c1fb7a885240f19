"""The team overview: every figure from known rows, every link opening the same rows, the
CSV equal to the table, days cut in the viewer's time zone, and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.audit.figures import all_figures
from customers.audit.filters import override_reason, refused_fields
from customers.audit.overview import Cell, scope_for
from customers.models import AuditEntry, CreateAttempt
from customers.team.roles import AGENTS
from tests.conftest import login_verified
from tests.helpers import stored_body

Op = AuditEntry.Operation
Out = AuditEntry.Outcome
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # 10:00 in New York
NEW_YORK = ZoneInfo("America/New_York")
OVERRIDE = (
    "Chose to create anyway despite a strong match with cus_1 (Email matches), reason: "
    "“Customer asked for a second account”. Result: customer cus_2 was created."
)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def row(user, when, operation, outcome=Out.OK, channel="web", **fields) -> AuditEntry:
    kind = "agent_action" if operation not in {o.value for o in list(Op)[:7]} else "api_call"
    fields.setdefault("completed_at", when)
    return AuditEntry.objects.create(
        created_at=when,
        kind=kind,
        operation=operation,
        outcome=outcome,
        user=user,
        username=user.username if user else "cron",
        channel=channel,
        **fields,
    )


@pytest.fixture
def team(make_user, campaign, settings):
    settings.TIME_ZONE = "America/New_York"
    alice = make_user("alice", group=AGENTS)
    bob = make_user("bob", group=AGENTS)
    # Created: Dec 6 (NY) web; Dec 6 03:00 UTC is still Dec 5 in New York; Dec 4; Dec 1.
    row(alice, at(6, 14), Op.CREATE_CUSTOMER, duration_ms=300)
    row(alice, at(6, 3), Op.CREATE_CUSTOMER, channel="assistant", duration_ms=500)
    row(bob, at(4, 12), Op.CREATE_CUSTOMER, duration_ms=400)
    row(bob, at(1, 12), Op.CREATE_CUSTOMER, channel="command", duration_ms=100)
    row(bob, datetime(2026, 11, 20, 12, tzinfo=UTC), Op.CREATE_CUSTOMER)  # 30 days only
    row(None, at(4, 13), Op.CREATE_CUSTOMER, channel="command")  # a command, no user
    # Failures.
    row(bob, at(4, 12), Op.CREATE_CUSTOMER, Out.API_ERROR, error_code="invalid_email")
    row(alice, at(6, 14), Op.SEARCH_CUSTOMERS, Out.TIMEOUT, duration_ms=20000)
    row(alice, at(6, 14), Op.SEARCH_CUSTOMERS, duration_ms=100)
    # The gate.
    row(alice, at(6, 14), Op.DUPLICATE_OVERRIDE, message=OVERRIDE)
    row(alice, at(6, 13), Op.DUPLICATE_GATE_STOPPED, Out.OK)
    row(alice, at(5, 13), Op.DUPLICATE_GATE_STOPPED, Out.OK)
    row(bob, at(5, 13), Op.DUPLICATE_MATCH_USED)
    # Card numbers and caller checks.
    refused = "A card number was refused in {} on /customers/new/; the digits were not kept."
    row(
        alice,
        at(6, 14),
        Op.CARD_NUMBER_REFUSED,
        Out.DENIED,
        message=refused.format("first_name, address_1"),
    )
    row(
        bob,
        at(5, 14),
        Op.CARD_NUMBER_REFUSED,
        Out.DENIED,
        channel="assistant",
        message="A card number was refused in first_name (assistant); the digits were not kept.",
    )
    failed = Op.CALLER_VERIFICATION_FAILED
    row(alice, at(6, 14), failed, Out.DENIED, message="The caller's ZIP code did not match.")
    row(alice, at(6, 14), failed, Out.DENIED, message="The caller's ZIP code was not checked: 5")
    row(alice, at(6, 14), Op.CARD_LINK_CREATED)
    row(alice, at(5, 14), Op.CARD_LINK_CREATED)
    # What became of card links (customers/existing/cardlinks.py writes these rows).
    row(alice, at(6, 15), Op.CARD_LINK_USED, customer_id="c1")
    row(alice, at(6, 14), Op.CARD_LINK_LAPSED, customer_id="c2")
    row(bob, at(5, 15), Op.CARD_LINK_EXPIRED, channel="assistant", customer_id="c3")
    for seconds, key in ((4, 1), (6, 2)):
        CreateAttempt.objects.create(
            submission_key=f"3e4b1c2d-0000-4000-8000-00000000000{key}",
            user=alice,
            campaign=campaign,
            payload=stored_body(campaign, {"email": f"{key}@example.com"}),
            email=f"{key}@example.com",
            created_at=at(6, 14),
            verified_at=at(6, 14) + timedelta(seconds=seconds),
            state="verified",
        )
    return {"alice": alice, "bob": bob}


def seven_days(**kw):
    return scope_for(period="7d", today=date(2026, 12, 6), zone=NEW_YORK, **kw)


def values(table) -> dict[str, list[object]]:
    return {label: [cell.value for cell in cells] for label, cells in table.rows}


@pytest.fixture
def figures(team):
    with time_machine.travel(NOW, tick=False):
        return all_figures(seven_days())


def test_customers_created_per_day_are_cut_in_the_viewers_zone(figures):
    created = figures["created"]
    assert created.columns == ["Day", "web", "assistant", "command", "Total"]
    assert values(created) == {
        "2026-11-30": [0, 0, 0, 0],
        "2026-12-01": [0, 0, 1, 1],
        "2026-12-02": [0, 0, 0, 0],
        "2026-12-03": [0, 0, 0, 0],
        "2026-12-04": [1, 0, 1, 2],
        "2026-12-05": [0, 1, 0, 1],  # 03:00 UTC on the 6th
        "2026-12-06": [1, 0, 0, 1],
    }


def test_gate_outcomes_calls_and_failures(figures):
    assert values(figures["gate"]) == {"alice": [2, 0, 1], "bob": [0, 1, 0]}
    calls = figures["calls"]
    assert calls.columns[1:] == [
        "OK", "API error", "Invalid response", "Timeout", "Network error",
        "Refused before sending", "Unknown",
    ]  # fmt: skip
    assert values(calls) == {
        "CreateCustomer": [5, 1, 0, 0, 0, 0, 0],
        "SearchCustomers": [1, 0, 0, 1, 0, 0, 0],
    }
    assert values(figures["errors"]) == {"invalid_email": [1]}
    assert values(figures["failures"]) == {
        "2026-11-30": [0],
        "2026-12-01": [0],
        "2026-12-02": [0],
        "2026-12-03": [0],
        "2026-12-04": [1],
        "2026-12-05": [0],
        "2026-12-06": [1],  # the search that timed out
    }


def test_durations_per_operation_per_day(figures):
    assert values(figures["durations"]) == {
        "2026-12-01 CreateCustomer": [1, 100, 100],
        "2026-12-04 CreateCustomer": [3, 400, 400],  # two without a duration
        "2026-12-05 CreateCustomer": [1, 500, 500],
        "2026-12-06 CreateCustomer": [1, 300, 300],
        "2026-12-06 SearchCustomers": [2, 100, 20000],
    }


def test_card_numbers_caller_checks_and_card_links(figures):
    assert values(figures["safety"]) == {
        "Card numbers refused": [2],
        "Card number refused in address_1": [1],
        "Card number refused in first_name": [2],
        "Caller check failed: wrong answer": [1],
        "Caller check failed: locked": [1],
        "Card links sent": [2],
        "Card links used": [1],
        "Card links expired unused": [2],  # one lapsed, one expired early
    }


def test_the_per_agent_table(figures):
    agents = figures["agents"]
    assert agents.columns == [
        "Agent", "Creates", "Overrides", "Failures", "Refusals", "Median submit → verified",
    ]  # fmt: skip
    assert values(agents) == {"alice": [2, 1, 1, 1, "5.0 s"], "bob": [2, 0, 1, 1, "—"]}


def test_an_agent_and_a_way_in_narrow_every_figure(team):
    with time_machine.travel(NOW, tick=False):
        only = all_figures(seven_days(user_id=team["bob"].pk, channel="assistant"))
    assert values(only["agents"]) == {"bob": [0, 0, 0, 1, "—"]}
    assert values(only["created"])["2026-12-04"] == [0, 0, 0, 0]
    assert values(only["safety"])["Card number refused in first_name"] == [1]
    assert values(only["safety"])["Card links expired unused"] == [1]
    assert values(only["safety"])["Card links used"] == [0]


def test_thirty_days_and_a_range(team):
    thirty = scope_for(period="30d", today=date(2026, 12, 6), zone=NEW_YORK)
    with time_machine.travel(NOW, tick=False):
        assert values(all_figures(thirty)["agents"])["bob"][0] == 3
        span = scope_for(
            period="range", today=date(2026, 12, 6), zone=NEW_YORK,
            start=date(2026, 12, 5), end=date(2026, 12, 4),
        )  # fmt: skip
        assert [row[0] for row in all_figures(span)["created"].rows] == [
            "2026-12-04",
            "2026-12-05",
        ]


def test_the_same_rows_cut_in_utc_move_a_create_to_its_utc_day(team):
    utc = scope_for(period="7d", today=date(2026, 12, 6), zone=UTC)
    with time_machine.travel(NOW, tick=False):
        created = values(all_figures(utc)["created"])
    assert created["2026-12-06"] == [1, 1, 0, 2]
    assert created["2026-12-05"] == [0, 0, 0, 0]


def _list_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(response.context["cl"].result_count)


def test_every_number_opens_an_audit_list_of_exactly_its_rows(team, client, auditor):
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        page = client.get(reverse("team-overview"))
        assert page.status_code == 200
        checked = 0
        for table, _charts in page.context["sections"]:
            for _label, cells in table.rows:
                for cell in cells:
                    if cell.url:
                        assert _list_count(client, cell.url) == cell.value, (table.slug, cell)
                        checked += 1
                        assert cell.url in page.content.decode().replace("&amp;", "&")
    assert checked > 60


def test_the_csv_equals_the_table(team, client, auditor):
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        query = {"period": "7d", "agent": team["alice"].pk}
        page = client.get(reverse("team-overview"), query)
        for table, _charts in page.context["sections"]:
            response = client.get(reverse("team-overview-csv", args=[table.slug]), query)
            assert response["Content-Type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            assert rows == [table.columns] + [
                [label, *(str(cell.value) for cell in cells)] for label, cells in table.rows
            ]


def test_the_page_draws_charts_inline_with_nothing_from_elsewhere(team, client, auditor):
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        html = client.get(reverse("team-overview")).content.decode()
    assert html.count('src="data:image/svg+xml;base64,') == 8
    assert "kozea" not in html and "googleapis" not in html
    assert "America/New_York" in html


def test_agents_get_403_and_a_bad_range_says_so(team, client, auditor):
    client.force_login(team["alice"])
    assert client.get(reverse("team-overview")).status_code == 403
    assert client.get(reverse("team-overview-csv", args=["agents"])).status_code == 403
    login_verified(client, auditor)
    response = client.get(reverse("team-overview"), {"period": "range", "start": "2026-12-01"})
    assert response.status_code == 200
    assert "Give both dates" in response.content.decode()
    assert client.get(reverse("team-overview-csv", args=["nope"])).status_code == 404


def test_the_audit_list_shows_the_way_in_and_the_override_reason(team, client, auditor):
    login_verified(client, auditor)
    url = reverse("admin:customers_auditentry_changelist")
    html = client.get(url, {"operation__exact": "DuplicateOverride"}).content.decode()
    assert "Customer asked for a second account" in html
    assert "Override reason" in html and "Way in" in html
    reason = "Customer asked for a second account"
    assert _list_count(client, f"{url}?override_reason={reason}") == 1
    assert _list_count(client, f"{url}?channel__exact=assistant") == 3


def test_message_readings():
    assert override_reason(OVERRIDE) == "Customer asked for a second account"
    assert override_reason("Created anyway although the duplicate search failed: why") == "why"
    before = "Created anyway despite 2 strong matches (a: Email matches; b: x): It's her, “Jo”"
    assert override_reason(before) == "It's her, “Jo”"
    assert override_reason("Chose to create anyway, reason: “a”. Result: “b”. Result: c") == (
        "a”. Result: “b"
    )  # the reason quoted may hold anything; the result is the last part
    assert refused_fields("…refused in a, b of propose_customer (assistant); …") == ["a", "b"]
    assert urlsplit(seven_days().list_url()).path == reverse(
        "admin:customers_auditentry_changelist"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's percentile_disc")
def test_postgresqls_percentiles_equal_the_plain_ones(team):
    from customers.audit.durations import durations_in_postgresql, durations_in_python

    for zone in (NEW_YORK, UTC, ZoneInfo("Asia/Kolkata")):
        scope = scope_for(period="30d", today=date(2026, 12, 6), zone=zone)
        assert durations_in_postgresql(scope) == durations_in_python(scope)
        assert durations_in_python(scope)  # not two empty answers


def test_percentiles_from_counts_of_each_duration_equal_the_plain_ones(team):
    """Today's percentiles are taken from counts of each duration (settled.py): the same
    nearest rank, over repeated values and calls without a duration."""
    from customers.audit.durations import (
        durations_histogram,
        durations_in_python,
        durations_of_histogram,
    )

    for minute, ms in enumerate([70, 70, 70, 900, None, 20, 20, 5000, 70, None, 300]):
        row(team["bob"], at(6, 12) + timedelta(minutes=minute), Op.GET_CUSTOMER, duration_ms=ms)
    for zone in (NEW_YORK, UTC, ZoneInfo("Asia/Kolkata")):
        scope = scope_for(period="30d", today=date(2026, 12, 6), zone=zone)
        plain = durations_in_python(scope)
        assert durations_of_histogram(durations_histogram(scope)) == plain
    assert plain[(date(2026, 12, 6), "GetCustomer")] == (11, 70, 5000)


def test_dates_no_trail_can_hold_are_refused_beside_the_field(team, client, auditor):
    login_verified(client, auditor)
    for start, end in (("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02")):
        query = {"period": "range", "start": start, "end": end}
        response = client.get(reverse("team-overview"), query)
        assert response.status_code == 200
        assert "Give a date" in response.content.decode()
        csv_response = client.get(reverse("team-overview-csv", args=["created"]), query)
        assert csv_response.status_code == 200
    response = client.get(reverse("team-overview"), {"agent": "99999999999", "channel": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "asked",
    [
        {"period": "7d"},
        {"period": "30d"},
        {"period": "today"},
        {"period": "range", "start": date(2026, 12, 1), "end": date(2026, 12, 4)},
        {"period": "7d", "channel": "assistant"},
        {"period": "30d", "user": "bob"},
    ],
)
@pytest.mark.parametrize("zone", [NEW_YORK, UTC, ZoneInfo("Asia/Kathmandu")])
def test_the_settled_days_from_the_cache_give_the_same_figures(team, asked, zone):
    from customers.audit.settled import overview_figures

    asked = dict(asked)
    user = asked.pop("user", None)
    scope = scope_for(
        today=date(2026, 12, 6), zone=zone, user_id=team[user].pk if user else None, **asked
    )
    with time_machine.travel(NOW, tick=False):
        plain = all_figures(scope)
        assert overview_figures(scope, now=NOW) == plain  # cache cold
        assert overview_figures(scope, now=NOW) == plain  # and warm


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_settled_days_are_read_once_unless_a_row_is_still_open(team):
    from customers.audit.settled import overview_figures

    def page():
        return overview_figures(seven_days(), now=NOW)

    with time_machine.travel(NOW, tick=False):
        cold, warm = _queries(page), _queries(page)
        assert warm <= cold - 15  # the settled days: one cache read instead of their queries
        cache.clear()
        row(team["bob"], at(3, 12), Op.GET_CUSTOMER, Out.UNKNOWN, completed_at=None)
        page()  # today's part that is over is kept; the days holding an open row are not
        assert _queries(page) == _queries(page) >= warm + 15  # an open row may yet change


def test_overview_check_finds_a_kept_figure_that_differs_from_the_trail_and_drops_them(team):
    """manage.py overview_check: silent agreement is reported; a kept figure changed in the
    cache is named, every kept figure is dropped, and the page again equals the trail."""
    from django.core.management import CommandError, call_command

    from customers.audit.settled import kept_generation, kept_key, overview_figures

    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("overview_check", "--days", "7", stdout=out)
        assert "equal the audit trail's, in 1 time zone." in out.getvalue()
        scope = seven_days()
        overview_figures(scope, now=NOW)  # keeps Nov 30 – Dec 5 (New York)
        settled = scope_for(
            period="range",
            start=date(2026, 11, 30),
            end=date(2026, 12, 5),
            today=date(2026, 12, 6),
            zone=NEW_YORK,
        )
        key = kept_key(settled, kept_generation())
        tables, histogram = cache.get(key)
        label, cells = tables["created"].rows[4]  # 2026-12-04: bob's web create
        tables["created"].rows[4] = (label, [Cell(cells[0].value + 5, cells[0].url), *cells[1:]])
        cache.set(key, (tables, histogram))
        assert overview_figures(scope, now=NOW) != all_figures(scope)
        with pytest.raises(CommandError) as failed:
            call_command("overview_check", "--days", "7", stdout=out)
        assert (
            "America/New_York: Customers created per day, 2026-12-04: the page shows 6, 0, "
            "1, 2, the trail holds 1, 0, 1, 2" in str(failed.value)
        )
        assert overview_figures(scope, now=NOW) == all_figures(scope)


def test_today_is_counted_from_the_cache_up_to_the_last_settled_minute_and_afresh_since(team):
    """NOW is 15:00 UTC: rows before 14:58 come from the kept part of today, a row written
    since is counted at the next view, and a minute later the kept part is the one before
    plus that minute's rows — equal to the trail's figures each time."""
    from customers.audit.settled import overview_figures, settled_until

    scope = scope_for(period="today", today=date(2026, 12, 6), zone=NEW_YORK)

    def created() -> int | str:
        return (
            overview_figures(scope, now=timezone.now())["created"].cell("2026-12-06", "web").value
        )

    with time_machine.travel(NOW, tick=False):
        assert settled_until(NOW) == datetime(2026, 12, 6, 14, 58, tzinfo=UTC)
        before = created()
        assert isinstance(before, int)
        row(team["alice"], NOW - timedelta(minutes=2), Op.CREATE_CUSTOMER, duration_ms=900)
        assert created() == before + 1
        assert overview_figures(scope, now=NOW) == all_figures(scope)
    later = NOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        row(team["bob"], later - timedelta(seconds=30), Op.CREATE_CUSTOMER, duration_ms=1200)
        figures = overview_figures(scope, now=later)  # kept to 14:59: 14:58's and a minute
        assert figures == all_figures(scope)
        assert figures["created"].cell("2026-12-06", "web").value == before + 2
        durations = figures["durations"].cell("2026-12-06 CreateCustomer", "p95 (ms)")
        assert durations.value == 1200  # the day's percentiles over all of its calls


def test_the_same_figures_reuse_their_drawn_chart_and_new_ones_are_drawn_anew(monkeypatch):
    from customers.audit import charts
    from customers.audit.overview import Cell, Table

    drawn: list[str] = []
    render = charts._data_uri

    def counted(chart):
        drawn.append(type(chart).__name__)
        return render(chart)

    monkeypatch.setattr(charts, "_data_uri", counted)
    table = Table("errors", "Failures by error code", ["Code", "Calls"], [("E1", [Cell(2)])])
    first = charts.bars(table, "Calls")
    linked = Table("errors", "Failures by error code", ["Code", "Calls"], [("E1", [Cell(2, "/x")])])
    assert charts.bars(linked, "Calls").data_uri == first.data_uri  # links are not drawn
    assert drawn == ["HorizontalBar"]
    more = Table("errors", "Failures by error code", ["Code", "Calls"], [("E1", [Cell(3)])])
    assert charts.bars(more, "Calls").data_uri != first.data_uri
    assert drawn == ["HorizontalBar", "HorizontalBar"]


def test_a_range_too_long_shows_its_last_days_as_the_message_says(team, client, auditor):
    query = {"period": "range", "start": "2020-01-01", "end": "2026-12-06"}
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        response = client.get(reverse("team-overview"), query)
    html = response.content.decode()
    assert "A period is at most 92 days; the last 92 are shown." in html
    assert "From 6 Sep 2026 to 6 Dec 2026" in html  # 92 days ending on the 6th
    assert 'value="2020-01-01"' in html  # what was typed is kept
    rows = response.context["sections"][0][0].rows
    assert (rows[0][0], rows[-1][0], len(rows)) == ("2026-09-06", "2026-12-06", 92)


@pytest.mark.parametrize("query", [{"agent": "99999999999"}, {"period": "forever"}, {}])
def test_a_link_without_a_period_ticks_the_last_7_days_it_shows(team, client, auditor, query):
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        html = client.get(reverse("team-overview"), query).content.decode()
    assert "From 30 Nov 2026 to 6 Dec 2026" in html
    assert html.count("checked") == 1
    assert 'value="7d"' in html.split("checked")[0].rsplit("<input", 1)[-1]


def _most(client, **query) -> str:
    html = client.get(reverse("team-overview"), query).content.decode()
    return " ".join(html.split('data-testid="most-overrides">', 1)[1].split("</p>", 1)[0].split())


def test_the_page_names_who_overrode_the_gate_most_with_a_link_to_the_reasons(
    team, client, auditor
):
    with time_machine.travel(NOW, tick=False):
        login_verified(client, auditor)
        most = _most(client)
        assert most.startswith("Most overrides of the duplicate gate in this period: ")
        assert "<strong>alice</strong>, <a href=" in most and "1 override — read its reason" in most
        url = most.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert "Customer asked for a second account" in client.get(url).content.decode()
        row(team["bob"], at(5, 12), Op.DUPLICATE_OVERRIDE, message=OVERRIDE)  # a tie
        tied = _most(client, period="30d")
        assert "<strong>alice</strong>" in tied and "<strong>bob</strong>" in tied
        assert (
            _most(client, channel="command") == "No overrides of the duplicate gate in this period."
        )
