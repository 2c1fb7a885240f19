"""A customer's timeline: everything done about them is on it, in sentences, with repeated
views folded into one line on the customer page while each call keeps its audit row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from customers.audit import customer_timeline, timeline_fold
from customers.audit.timeline import CALL_WORDS
from customers.models import AuditEntry, CardLink, CreateAttempt
from tests.audit_helpers import Operation
from tests.helpers import create_post
from tests.seeded import JANE

T0 = datetime(2026, 11, 28, 14, 2, 11, tzinfo=UTC)

VIEWED = "Viewed: the record was read from RevCent (GetCustomer)."


def row(op: str, at: datetime, *, user: str = "agent", outcome: str = "ok", **extra):
    """An unsaved row, as the fold sees rows (newest first, from the database)."""
    kind = "api_call" if op in CALL_WORDS else "agent_action"
    return AuditEntry(
        operation=op, kind=kind, created_at=at, username=user, outcome=outcome, **extra
    )


class TestFold:
    def test_a_run_of_views_is_one_line_per_person_naming_the_span_to_the_minute(self):
        views = [
            row("GetCustomer", T0 + timedelta(minutes=m), user=("ana" if m % 3 else "agent"))
            for m in range(19, -1, -1)
        ]
        views[0].created_at = datetime(2026, 11, 28, 15, 40, 9, tzinfo=UTC)
        ana, agent = timeline_fold(views)
        # ana viewed last (15:40), so her line comes first; neither line names its person
        # again: the Who column does.
        assert (ana.who, ana.what, ana.count) == ("ana", "Viewed 13 times, 14:03–15:40.", 13)
        assert (agent.who, agent.what, agent.count) == ("agent", "Viewed 7 times, 14:02–14:20.", 7)
        assert ana.when == views[0].created_at and agent.when == T0 + timedelta(minutes=18)

    def test_views_within_one_minute_say_that_minute_once(self):
        rows = [row("GetCustomer", T0 + timedelta(seconds=s)) for s in (40, 8, 0)]
        [line] = timeline_fold(rows)
        assert line.what == "Viewed 3 times, 14:02."
        assert line.who == "agent" and "agent" not in line.what

    def test_two_peoples_interleaved_views_are_one_line_each(self):
        rows = [
            row("GetCustomer", T0 + timedelta(seconds=s), user=user)
            for s, user in ((40, "maria.r"), (30, "agent"), (20, "maria.r"), (10, "agent"))
        ]
        assert [(line.who, line.what) for line in timeline_fold(rows)] == [
            ("maria.r", "Viewed 2 times, 14:02."),
            ("agent", "Viewed 2 times, 14:02."),
        ]

    def test_the_assistants_views_are_folded_apart_from_the_web_pages(self):
        web = row("GetCustomer", T0 + timedelta(seconds=2))
        assistant = row(
            "GetCustomer", T0 + timedelta(seconds=1), channel="assistant", token_prefix="sd_ab12"
        )
        lines = timeline_fold([web, assistant, row("GetCustomer", T0)])
        assert [line.who for line in lines] == ["agent", "agent via assistant (token …ab12)"]
        assert lines[0].what == "Viewed 2 times, 14:02."
        assert lines[1].what == VIEWED  # one view keeps its own sentence

    def test_other_entries_split_the_runs_and_keep_their_own_lines(self):
        rows = [
            row("GetCustomer", T0 + timedelta(minutes=5)),
            row("GetCustomer", T0 + timedelta(minutes=4)),
            row(
                "CallerVerified",
                T0 + timedelta(minutes=3),
                message="The caller's ZIP code matched RevCent's record.",
            ),
            row("GetCustomer", T0 + timedelta(minutes=2)),
            row("GetCustomer", T0 + timedelta(minutes=1), outcome="timeout"),
            row("CreateCustomer", T0, api_call_id="abc"),
        ]
        lines = timeline_fold(rows)
        assert [line.what for line in lines] == [
            "Viewed 2 times, 14:06–14:07.",
            "The caller's ZIP code matched RevCent's record.",
            VIEWED,  # a single view is not folded
            VIEWED,  # a failed read stands alone: an auditor looks for it
            "Created in RevCent (CreateCustomer).",
        ]
        assert lines[3].outcome == "Timeout"
        assert lines[4].api_call_id == "abc"

    def test_views_over_several_days_say_the_days(self):
        rows = [row("GetCustomer", T0 + timedelta(days=1)), row("GetCustomer", T0)]
        [line] = timeline_fold(rows)
        assert line.what == "Viewed 2 times, 28 Nov 2026, 14:02 – 29 Nov 2026, 14:02."

    def test_nothing_is_no_lines(self):
        assert timeline_fold([]) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
class TestOnTheCustomersOwnTimeline:
    def test_override_note_caller_check_and_card_links(self, agent_client, campaign):
        data = create_post(
            campaign,
            customer={"first_name": "Jan", "last_name": "Doe", "email": "jane@example.com"},
            create_anyway="on",
            override_reason="Caller is Jane's daughter, same shared inbox.",
        )
        response = agent_client.post(reverse("customer-create"), data)
        assert response.status_code == 302
        new_id = CreateAttempt.objects.get().customer_id
        agent_client.post(reverse("card-link-create", args=[new_id]), {"channel": "copy"})
        link = CardLink.objects.get(customer_id=new_id)
        agent_client.post(reverse("card-link-expire", args=[new_id, link.pk]))
        # Someone else's customer: the caller is checked first, both ways.
        agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": "1"})
        agent_client.post(reverse("caller-verify", args=[JANE]), {"kind": "zip", "answer": "33101"})

        mine = {entry.operation for entry in customer_timeline(new_id, limit=100)}
        assert {
            Operation.DUPLICATE_OVERRIDE,
            Operation.CREATE_CUSTOMER,
            Operation.CREATE_NOTE,
            Operation.CARD_LINK_CREATED,
            Operation.CARD_LINK_EXPIRED,
            Operation.GET_CUSTOMER,
        } <= mine
        janes = {entry.operation for entry in customer_timeline(JANE, limit=100)}
        assert {Operation.CALLER_VERIFIED, Operation.CALLER_VERIFICATION_FAILED} <= janes

        page = agent_client.get(reverse("customer-detail", args=[new_id])).content.decode()
        assert "Chose to create anyway despite a strong match with" in page
        assert "A card link was created to copy; it works until" in page
        assert "was expired early." in page
        assert "A note was added in RevCent (CreateNote)." in page
        jane = agent_client.get(reverse("customer-detail", args=[JANE])).content.decode()
        assert "The caller&#x27;s ZIP code did not match RevCent&#x27;s record." in jane
        assert "The caller&#x27;s ZIP code matched RevCent&#x27;s record." in jane

    def test_repeated_views_are_one_line_but_every_call_keeps_its_row(self, agent, auditor_client):
        agent_client = Client()  # auditor_client is pytest-django's `client`, signed in
        agent_client.force_login(agent)
        for _ in range(4):
            agent_client.get(reverse("customer-detail", args=[JANE]))
        page = auditor_client.get(reverse("customer-detail", args=[JANE])).content.decode()
        trail = auditor_client.get(
            reverse("admin:customers_auditentry_changelist"), {"q": JANE}
        ).context["cl"]
        reads = AuditEntry.objects.filter(operation="GetCustomer", target_customer_id=JANE)
        # The rows' times are the database's (signed when opened), which no test clock moves.
        alice = [localtime(row.created_at) for row in reads.filter(username="alice")]
        first, last = (f"{moment:%H:%M}" for moment in (min(alice), max(alice)))
        span = first if first == last else f"{first}–{last}"
        assert f'<td data-label="What">Viewed 4 times, {span}.</td>' in page
        assert f'<td data-label="Who">audrey</td><td data-label="What">{VIEWED}</td>' in page
        assert reads.count() == 5
        assert len(trail.result_list) == 5  # the admin's trail: one row per call
