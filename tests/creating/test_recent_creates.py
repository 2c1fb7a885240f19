"""This app's recent creates like a person (customers/creating/recent_creates.py): the SQL
written by hand finds exactly the rows the ORM filter it replaced finds, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from customers.creating.recent_creates import RECENT, recent_like
from customers.matching import Identifiers, email_without_tag, normalize_internal_id
from customers.models import CreateAttempt
from tests.helpers import stored_body

pytestmark = pytest.mark.django_db

ROWS = [
    # (email, phone, internal_id, last_name, state, hours ago)
    ("ana.diaz@example.com", "", "", "diaz", "created", 1),
    ("ana.diaz+shop@example.com", "", "", "other", "created", 2),
    ("ana_diaz@example.com", "", "", "x", "created", 1),  # "_" is not a wildcard
    ("ana.diaz+x@example.org", "", "", "x", "created", 1),  # another domain
    ("anaxdiaz+1@example.com", "", "", "x", "created", 1),  # "." is not a wildcard either
    ("bo@example.com", "+13055550100", "", "li", "created", 3),
    ("cy@example.com", "", "crm-7", "wu", "verified", 4),
    ("dee@example.com", "", "CRM-7", "wu", "created", 5),  # stored as typed (older rows)
    ("eve@example.com", "", "", "diaz", "failed", 1),  # a failed create is not a candidate
    ("fay@example.com", "", "", "diaz", "created", 30),  # older than a day
    ("50%off@example.com", "", "", "q", "created", 1),
    ("50xxoff+1@example.com", "", "", "q", "created", 1),  # "%" is not a wildcard
]


def recent_like_q(ids: Identifiers) -> Q:
    """The ORM filter recent_like replaced: the reference it must agree with."""
    wanted = Q()
    if ids.email:
        email = ids.email.strip().lower()
        local, _, domain = email_without_tag(email).partition("@")
        wanted |= Q(email=email) | Q(email__startswith=f"{local}+", email__endswith=f"@{domain}")
        wanted |= Q(email=f"{local}@{domain}")
    if ids.phone:
        wanted |= Q(phone=ids.phone)
    if ids.internal_id:
        wanted |= Q(internal_id__in={normalize_internal_id(ids.internal_id), ids.internal_id})
    if ids.last_name:
        wanted |= Q(last_name=ids.last_name.strip().casefold())
    if not wanted:
        return Q(pk__in=[])
    since = timezone.now() - RECENT
    return Q(created_at__gte=since) & ~Q(state=CreateAttempt.State.FAILED) & wanted


@pytest.fixture
def attempts(agent, campaign) -> list[CreateAttempt]:
    made = []
    for email, phone, internal_id, last_name, state, hours in ROWS:
        made.append(
            CreateAttempt.objects.create(
                submission_key=uuid.uuid4(),
                user=agent,
                campaign=campaign,
                payload=stored_body(campaign, {"email": email}),
                email=email,
                phone=phone,
                internal_id=internal_id,
                last_name=last_name,
                state=state,
                created_at=timezone.now() - timedelta(hours=hours),
            )
        )
    return made


@pytest.mark.parametrize(
    "ids",
    [
        Identifiers(email="Ana.Diaz@example.com"),
        Identifiers(email="ana.diaz+promo@example.com"),
        Identifiers(email="50%off@example.com"),
        Identifiers(email="ana_diaz@example.com"),
        Identifiers(phone="+13055550100"),
        Identifiers(internal_id="CRM-7"),
        Identifiers(first_name="Ana", last_name="Díaz"),
        Identifiers(last_name="DIAZ"),
        Identifiers(email="ana.diaz@example.com", phone="+13055550100", internal_id="crm-7"),
        Identifiers(),
    ],
    ids=[
        "email",
        "tagged",
        "percent",
        "underscore",
        "phone",
        "internal id",
        "accented",
        "name",
        "all",
        "none",
    ],
)
def test_the_sql_finds_what_the_orm_finds(attempts, ids):
    expected = list(
        CreateAttempt.objects.filter(recent_like_q(ids))
        .order_by("-created_at")
        .values_list("email", flat=True)
    )
    found = [attempt.email for attempt in recent_like(ids, limit=50)]
    assert found == expected
    # `who` is added by recent_like's query, not a field of the model.
    assert all(getattr(attempt, "who", None) == "alice" for attempt in recent_like(ids, limit=50))


def test_the_ones_a_person_would_expect(attempts):
    found = {a.email for a in recent_like(Identifiers(email="Ana.Diaz@example.com"), limit=50)}
    assert found == {"ana.diaz@example.com", "ana.diaz+shop@example.com"}
    internal = {a.email for a in recent_like(Identifiers(internal_id="CRM-7"), limit=50)}
    assert internal == {"cy@example.com", "dee@example.com"}


def test_the_own_attempt_comes_first_whatever_its_age_or_state(attempts):
    old_failed = attempts[9]
    old_failed.state = "failed"
    old_failed.save()
    rows = recent_like(Identifiers(last_name="diaz"), limit=1, own_key=old_failed.submission_key)
    assert [row.pk for row in rows] == [old_failed.pk]
    alone = recent_like(Identifiers(), limit=5, own_key=old_failed.submission_key)
    assert [row.pk for row in alone] == [old_failed.pk]
    assert recent_like(Identifiers(), limit=5, own_key=uuid.uuid4()) == []
