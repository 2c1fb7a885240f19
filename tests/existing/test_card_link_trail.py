"""What became of each card link is on the audit trail, once per link: a card received
(on the hosted form, or seen in RevCent), or the link's time up without one (recorded by
card_links_lapse, from a schedule or the team overview). No card data in any of it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.audit import Actor
from customers.audit.timeline import actor_label
from customers.existing import cardlinks
from customers.models import AuditEntry, CardLink, Channel
from customers.sandbox.models import SandboxCard
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.conftest import login_verified
from tests.existing.test_card_links import link_url, make_link
from tests.helpers import create_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
LATER = timedelta(hours=24, minutes=1)  # CARD_LINK_HOURS is 24


@pytest.fixture
def created_id(agent_client: Client, campaign) -> str:
    response = agent_client.post(reverse("customer-create"), create_post(campaign))
    return response["Location"].strip("/").split("/")[-1]


def lapse(when=None) -> str:
    out = StringIO()
    if when is None:
        call_command("card_links_lapse", stdout=out)
    else:
        with time_machine.travel(when):
            call_command("card_links_lapse", stdout=out)
    return out.getvalue()


def assert_no_card_data(rows: list[AuditEntry]) -> None:
    for row in rows:
        text = str(AuditEntry.objects.filter(pk=row.pk).values().get())
        for secret in ("4242", "Visa", "12/30", "123 "):
            assert secret not in text, (secret, row.message)


def test_a_card_on_the_hosted_form_is_recorded_once_under_the_links_maker(
    agent_client, agent, client, created_id
):
    make_link(agent_client, created_id)
    path = link_url(agent_client, created_id).removeprefix("http://testserver")
    client.logout()  # the customer, not signed in
    assert client.post(path, CARD).status_code == 200
    assert client.post(path, CARD).status_code == 410  # the link is used up
    agent_client.force_login(agent)
    agent_client.get(reverse("customer-detail", args=[created_id]))  # settles nothing more

    [row] = assert_audited(Operation.CARD_LINK_USED)
    link = CardLink.objects.get()
    assert (row.user_id, row.username, row.channel) == (agent.pk, "alice", Channel.WEB)
    assert row.customer_id == created_id and row.outcome == AuditEntry.Outcome.OK
    assert row.message == (
        f"The card link made {link.created_at:%Y-%m-%d %H:%M} UTC (working until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC) received a card on the hosted card form; it "
        "no longer opens the form."
    )
    assert row.completed_at is not None and row.row_hash  # chained like every agent action
    assert_no_card_data([row])
    assert lapse(timezone.now() + LATER).startswith("0 card links")  # used, so not lapsed


def test_two_submissions_at_once_write_one_row(agent_client, created_id):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    same = CardLink.objects.get()  # each submission read the link as active
    now = timezone.now()
    assert cardlinks.card_link_use(link, now=now) is True
    assert cardlinks.card_link_use(same, now=now) is False
    assert_audited(Operation.CARD_LINK_USED)


def test_a_card_revcent_shows_closes_the_link_and_is_recorded_once(agent_client, created_id):
    make_link(agent_client, created_id)
    SandboxCard.objects.create(
        id="SbxCardAddedLater001",
        customer_id=created_id,
        brand="Visa",
        last_4="4242",
        expiry_date="12/30",
        created_unix=int(timezone.now().timestamp()) + 60,
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        for _ in range(2):  # the agent opens the page twice
            agent_client.get(reverse("customer-detail", args=[created_id]))
    [row] = assert_audited(Operation.CARD_LINK_USED)
    assert "received a card (RevCent shows one added " in row.message
    assert CardLink.objects.get().status == CardLink.Status.CARD_RECEIVED
    assert_no_card_data([row])


def test_a_lapsed_link_is_recorded_once_however_often_the_command_runs(
    agent_client, agent, created_id
):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    assert lapse().startswith("0 card links")  # still open
    assert lapse(link.expires_at + timedelta(seconds=1)) == (
        "1 card links recorded as lapsed unused.\n"
    )
    assert lapse(link.expires_at + timedelta(hours=5)).startswith("0 card links")
    [row] = assert_audited(Operation.CARD_LINK_LAPSED)
    assert row.message == (
        f"The card link made {link.created_at:%Y-%m-%d %H:%M} UTC lapsed at "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC without a card."
    )
    assert (row.user_id, row.channel, row.customer_id) == (agent.pk, Channel.WEB, created_id)
    link.refresh_from_db()
    assert link.lapse_recorded_at is not None
    assert link.expired_at is None and link.expired_by is None  # no agent expired it
    assert_no_card_data([row])


def test_a_link_expired_by_hand_never_lapses_and_ends_once(agent_client, agent, created_id):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    agent_client.post(reverse("card-link-expire", args=[created_id, link.pk]))
    agent_client.post(reverse("card-link-expire", args=[created_id, link.pk]))  # again
    assert lapse(timezone.now() + LATER).startswith("0 card links")
    assert cardlinks.card_link_use(link, now=timezone.now()) is False
    assert_audited(Operation.CARD_LINK_EXPIRED)
    assert not audit_rows(operation__in=[Operation.CARD_LINK_USED, Operation.CARD_LINK_LAPSED])


def test_a_used_link_cannot_be_expired_afterwards(agent_client, agent, created_id):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    assert cardlinks.card_link_use(link, now=timezone.now())
    cardlinks.card_link_expire(link=link, user=agent, actor=Actor(user=agent))
    assert not audit_rows(operation=Operation.CARD_LINK_EXPIRED)
    assert CardLink.objects.get().status == CardLink.Status.CARD_RECEIVED


def test_a_link_made_through_the_assistant_ends_under_the_assistant(agent, created_id):
    actor = Actor(user=agent, channel=Channel.ASSISTANT, token_prefix="sd_ab12")
    link = cardlinks.card_link_create(
        customer_id=created_id, user=agent, channel="copy", actor=actor
    )
    assert link.way_in == Channel.ASSISTANT
    assert cardlinks.card_links_lapse(now=link.expires_at) == 1
    [row] = assert_audited(Operation.CARD_LINK_LAPSED)
    assert row.channel == Channel.ASSISTANT and row.token_prefix == ""
    assert actor_label(row) == "alice via assistant"  # no token acted


def test_reading_the_team_overview_records_the_lapses_first(
    agent_client, agent, auditor, created_id
):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    reader = Client()
    with time_machine.travel(link.expires_at + timedelta(minutes=1)):
        login_verified(reader, auditor)
        # 7 days: the row's time is the database's clock, which the test does not move.
        page = reader.get(reverse("team-overview"), {"period": "7d"})
        tables = {table.slug: table for table, _ in page.context["sections"]}
        cell = tables["safety"].cell("Card links expired unused", "Count")
        assert cell.value == 1
        listed = reader.get(cell.url)
        assert listed.context["cl"].result_count == 1
    [row] = assert_audited(Operation.CARD_LINK_LAPSED)
    assert row.user_id == agent.pk


def test_the_digest_records_the_lapses_first(agent_client, created_id, settings):
    make_link(agent_client, created_id)
    link = CardLink.objects.get()
    with time_machine.travel(link.expires_at + timedelta(minutes=1)):
        call_command("overview_digest", stdout=StringIO())
    assert_audited(Operation.CARD_LINK_LAPSED)


def _at_once[T](work: Callable[[], T], *, threads: int = 5) -> list[T]:
    """`work()` in several threads, each with its own connection, released together."""
    barrier = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    assert errors == []
    return results


def _link(agent, *, expires_in: timedelta) -> CardLink:
    now = timezone.now()
    return CardLink.objects.create(
        customer_id="SbxRaceCustomer00001",
        created_by=agent,
        channel=CardLink.Channel.COPY,
        created_at=now - timedelta(hours=1),
        expires_at=now + expires_in,
    )


@pytest.mark.django_db(transaction=True)
def test_submissions_racing_in_threads_write_one_row(agent):
    link = _link(agent, expires_in=timedelta(hours=1))
    won = _at_once(lambda: cardlinks.card_link_use(link, now=timezone.now()))
    assert sorted(won) == [False] * 4 + [True]
    assert_audited(Operation.CARD_LINK_USED)


@pytest.mark.django_db(transaction=True)
def test_lapse_runs_racing_in_threads_write_one_row(agent):
    _link(agent, expires_in=-timedelta(minutes=1))
    recorded = _at_once(lambda: cardlinks.card_links_lapse(now=timezone.now()))
    assert sorted(recorded) == [0] * 4 + [1]
    assert_audited(Operation.CARD_LINK_LAPSED)


@pytest.mark.django_db(transaction=True)
def test_links_made_before_the_migration_take_their_way_in_from_the_trail(agent):
    executor = MigrationExecutor(connection)
    before = [("customers", "0020_overview_actions_and_time_zone")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldLink = old.get_model("customers", "CardLink")
    OldEntry = old.get_model("customers", "AuditEntry")
    made = timezone.now()
    for customer, way_in, seconds in (("A", "assistant", 1), ("B", "", 1), ("C", "assistant", 60)):
        OldLink.objects.create(
            customer_id=customer, created_by_id=agent.pk, created_at=made,
            expires_at=made + LATER, channel="copy",
        )  # fmt: skip
        OldEntry.objects.create(
            kind="agent_action", operation="CardLinkCreated", outcome="ok", customer_id=customer,
            user_id=agent.pk, username="alice", channel=way_in,
            created_at=made + timedelta(seconds=seconds), completed_at=made,
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    found = dict(CardLink.objects.values_list("customer_id", "way_in"))
    # Its row's way in; web when the row has none, or is not the link's (a minute apart).
    assert found == {"A": "assistant", "B": "web", "C": "web"}
