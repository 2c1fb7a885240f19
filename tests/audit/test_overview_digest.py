"""manage.py overview_digest: the overview's figures by e-mail to auditors and admins, in
each one's time zone, with a link to the page; its sending audited."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from customers.models import AuditEntry, TimeZonePreference
from customers.team.roles import AGENTS, AUDITORS
from tests.audit_helpers import Operation, assert_audited

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    agent = make_user("alice", group=AGENTS, email="alice@example.com")
    make_user("audrey", group=AUDITORS, email="audrey@example.com")
    paris = make_user("pierre", group=AUDITORS, email="pierre@example.com")
    TimeZonePreference.objects.create(user=paris, time_zone="Europe/Paris")
    make_user("root", is_superuser=True, email="root@example.com")
    make_user("noaddress", group=AUDITORS)
    AuditEntry.objects.create(
        created_at=datetime(2026, 12, 5, 10, tzinfo=UTC),
        kind="api_call",
        operation="CreateCustomer",
        outcome="ok",
        user=agent,
        username="alice",
        channel="web",
    )


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("overview_digest", *args, stdout=out)
    return out.getvalue()


def test_it_mails_auditors_and_admins_the_figures_with_a_link(people):
    assert "to 3 auditors and admins" in run("--days", "7", "--site-url", "https://desk.example")
    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {("pierre@example.com",), ("audrey@example.com", "root@example.com")}
    utc = by_to[("audrey@example.com", "root@example.com")].body
    assert "from 30 Nov 2026 to 06 Dec 2026, whole days in UTC time" in utc
    assert "https://desk.example/team/overview/?period=range&start=2026-11-30&end=2026-12-06" in utc
    assert "2026-12-05: web: 1, assistant: 0, command: 0, Total: 1" in utc
    assert "alice: Creates: 1, Overrides: 0, Failures: 0, Refusals: 0" in utc
    assert "Europe/Paris" in by_to[("pierre@example.com",)].body
    rows = assert_audited(Operation.OVERVIEW_DIGEST_SENT, count=2)
    assert {row.channel for row in rows} == {"command"}
    assert rows[0].username == "overview_digest"
    assert "e-mailed to audrey, root" in " ".join(row.message for row in rows)
    assert "alice@example.com" not in mail.outbox[0].to


def test_days_out_of_range_are_refused(people):
    with pytest.raises(CommandError, match="--days must be 1 to 92"):
        run("--days", "0")
    assert not mail.outbox
