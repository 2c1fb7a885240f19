from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db.backends.signals import connection_created

from customers.models import Campaign
from customers.roles import AGENTS, AUDITORS, ensure_roles


def _allow_test_flush(sender, connection, **kwargs) -> None:
    # On PostgreSQL the audit trail refuses TRUNCATE, which is how transactional tests
    # empty the tables between tests. The trigger lets this session setting through; the
    # trigger's own tests turn it off again.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET supportdesk.audit_maintenance = 'on'")


connection_created.connect(_allow_test_flush, dispatch_uid="tests.allow_test_flush")


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache may be a shared Redis (CACHE_URL): no test may see another's entries.
    # The sandbox's "already seeded" flag goes too: a test's database starts empty.
    from customers.sandbox.seed import forget_seeding

    cache.clear()
    forget_seeding()
    yield
    cache.clear()


@pytest.fixture
def roles(db) -> None:
    # Transactional tests flush what migrations made, so make the groups again.
    ensure_roles()


@pytest.fixture
def make_user(roles) -> Callable[..., User]:
    def make(username: str, *, group: str | None = None, **extra) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username, **extra)
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def agent(make_user) -> User:
    return make_user("alice", group=AGENTS)


@pytest.fixture
def auditor(make_user) -> User:
    return make_user("audrey", group=AUDITORS, is_staff=True)


@pytest.fixture
def admin_user(make_user) -> User:
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
        name="Default Campaign", revcent_id="SbxCampaignDefault01", is_default=True
    )


@pytest.fixture
def sandbox(transactional_db) -> None:
    """The sandbox's demo data, committed, so threads that serve or search it can read it.

    Tests whose requests search several identifiers at once (every create and every
    duplicate-panel refresh does) run transactionally for the same reason: the worker
    threads have their own database connections and see only committed rows.
    """
    from customers.sandbox.seed import seed

    seed()
