from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from customers.models import Campaign
from customers.sandbox.transport import SandboxTransport
from customers.team.roles import AGENTS, AUDITORS, ensure_roles
from tests import hypothesis_profiles  # noqa: F401  (loads HYPOTHESIS_PROFILE for every test)
from tests.seeded import DEFAULT_CAMPAIGN


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache may be a shared Redis (CACHE_URL): no test may see another's entries.
    # The sandbox's "already seeded" flag goes too, before and after each test: the rows it
    # stands for are rolled back (or flushed) with the test's database, and a flag left
    # saying "seeded" would make the next ensure_seeded() skip seeding and find no demo data.
    from customers.sandbox.seed import forget_seeding

    cache.clear()
    forget_seeding()
    yield
    forget_seeding()
    cache.clear()


@pytest.fixture
def roles(db) -> None:
    # Transactional tests flush what migrations made, so make the groups again.
    ensure_roles()


# What the make_user fixture gives: make(username, *, group=None, **User fields) -> User.
MakeUser = Callable[..., User]


@pytest.fixture
def make_user(roles) -> MakeUser:
    def make(username: str, *, group: str | None = None, **extra) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username, **extra)
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def agent(make_user: MakeUser) -> User:
    return make_user("alice", group=AGENTS)


@pytest.fixture
def auditor(make_user: MakeUser) -> User:
    # No Staff switch: the Auditors role alone opens the audit trail (customers/team/admin_site.py).
    return make_user("audrey", group=AUDITORS)


@pytest.fixture
def admin_user(make_user: MakeUser) -> User:
    return make_user("root", is_staff=True, is_superuser=True)


def login_verified(client, user) -> None:
    """Sign in with a second factor already passed, as an admin or auditor must."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def auditor_client(client, auditor):
    login_verified(client, auditor)
    return client


@pytest.fixture
def admin_client_verified(client, admin_user):
    login_verified(client, admin_user)
    return client


@pytest.fixture
def campaign(db) -> Campaign:
    # The sandbox's seeded default campaign.
    return Campaign.objects.create(
        name="Default Campaign", revcent_id=DEFAULT_CAMPAIGN, is_default=True
    )


@pytest.fixture
def sandbox(db) -> None:
    """The sandbox's demo data, in the test's own transaction.

    The RevCent client searches in this thread during tests (REVCENT_SEARCH_INLINE), so it
    reads the rows through the test's connection. In a transactional test (parallel
    requests, the live server) the rows are committed, so other threads see them too.
    Seeding marks the process as seeded, so the sandbox's first request does not seed
    again; _clean_cache forgets that mark around every test.
    """
    from customers.sandbox.seed import ensure_seeded

    ensure_seeded()


@pytest.fixture
def search_threads(settings) -> None:
    """Concurrent searches on the real thread pool, as in production (not inline).

    Pool threads read the database through their own connections, so a test that uses
    this with the sandbox must be transactional: they see only committed rows.
    """
    settings.REVCENT_SEARCH_INLINE = False


class _CurrentStderr:
    """Writes to whatever sys.stderr is now: capsys's, while a test runs."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def logs(caplog, capsys):
    """Every logger at DEBUG into caplog, and the root handlers' streams into capsys.

    Returns a function that reads what the root handlers wrote so far.
    """
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        if isinstance(logging.root.manager.loggerDict[name], logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    swapped = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith(
            "_pytest"
        ):
            swapped.append((handler, handler.setStream(_CurrentStderr())))
    written: list[str] = []

    def read() -> str:
        captured = capsys.readouterr()
        written.append(captured.out + captured.err)
        return "".join(written)

    yield read
    for handler, original in swapped:
        handler.setStream(original)


@pytest.fixture
def upstream(monkeypatch) -> list[str]:
    """Every request the app sends to (the sandbox standing in for) RevCent, as text."""
    sent: list[str] = []
    original = SandboxTransport.handle_request

    def recording(self, request):
        sent.append(str(request.url) + " " + request.content.decode(errors="replace"))
        return original(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_request", recording)
    return sent
