"""This app's creates of the last 24 hours that share an identifier with a person.

RevCent's search index may not show a customer created a moment ago, so every duplicate
check also reads this app's own recent creates: on each duplicate-panel refresh, and twice
per create (before the person's turn and inside it). That read is one SQL statement written
here rather than built by the ORM: building the same query through the ORM cost about 2 ms
of Python each time, more than the database's own work. The conditions are the ORM's
(`recent_like_q`, kept as the reference; tests/customers/test_recent_creates.py compares
the two on the same rows).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from customers.matching import Identifiers, email_without_tag, normalize_internal_id
from customers.models import CreateAttempt

RECENT = timedelta(hours=24)


def _wanted(ids: Identifiers) -> list[tuple[str, Any]]:
    """(lookup, value) pairs, any of which makes an attempt look like ids: the e-mail (also
    without a +tag), the phone, the internal ID (stored folded; older rows as typed), the
    last name."""
    wanted: list[tuple[str, Any]] = []
    if ids.email:
        email = ids.email.strip().lower()
        local, _, domain = email_without_tag(email).partition("@")
        wanted += [("email", email), ("tagged", (f"{local}+", f"@{domain}"))]
        wanted += [("email", f"{local}@{domain}")]
    if ids.phone:
        wanted.append(("phone", ids.phone))
    if ids.internal_id:
        wanted.append(
            ("internal_id__in", {normalize_internal_id(ids.internal_id), ids.internal_id})
        )
    if ids.last_name:
        wanted.append(("last_name", ids.last_name.strip().casefold()))
    return wanted


def recent_like_q(ids: Identifiers, *, now: datetime | None = None) -> Q:
    """The same rows as recent_like, as an ORM filter."""
    wanted = Q()
    for lookup, value in _wanted(ids):
        if lookup == "tagged":
            wanted |= Q(email__startswith=value[0], email__endswith=value[1])
        else:
            wanted |= Q(**{lookup: value})
    if not wanted:
        return Q(pk__in=[])  # nothing to look for: no rows
    since = (now or timezone.now()) - RECENT
    return Q(created_at__gte=since) & ~Q(state=CreateAttempt.State.FAILED) & wanted


def recent_like(
    ids: Identifiers, *, limit: int, own_key: uuid.UUID | None = None
) -> list[CreateAttempt]:
    """Recent attempts like ids, newest first, at most limit; with own_key, first of all the
    attempt under that key, whatever its age or state (so the limit never hides it). Each
    has `who`, its agent's username."""
    conditions, params = _sql_conditions(ids)
    quote = connection.ops.quote_name
    where = " OR ".join(conditions)
    if where:
        where = f"(a.created_at >= %s AND a.state <> %s AND ({where}))"
        params = [
            _db_value("created_at", timezone.now() - RECENT),
            CreateAttempt.State.FAILED.value,
            *params,
        ]
    own = "1"
    if own_key is not None:
        key = _db_value("submission_key", own_key)
        where = f"a.submission_key = %s OR {where}" if where else "a.submission_key = %s"
        own = "CASE WHEN a.submission_key = %s THEN 0 ELSE 1 END"
        params = [key, key, *params]
    if not where:
        return []
    sql = (
        f"SELECT a.*, u.{quote('username')} AS who, {own} AS mine "
        f"FROM {quote(CreateAttempt._meta.db_table)} a "
        f"JOIN {quote(User._meta.db_table)} u ON u.id = a.user_id "
        f"WHERE {where} ORDER BY mine, a.created_at DESC LIMIT {int(limit)}"
    )
    return list(CreateAttempt.objects.raw(sql, params))


def _db_value(name: str, value: Any) -> Any:
    field = CreateAttempt._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_value(value, connection)


def _sql_conditions(ids: Identifiers) -> tuple[list[str], list[Any]]:
    like = cast(Any, connection).operators["startswith"]  # "LIKE %s", with ESCAPE on SQLite
    email = connection.ops.lookup_cast("startswith") % "a.email"
    escape = connection.ops.prep_for_like_query
    conditions: list[str] = []
    params: list[Any] = []
    for lookup, value in _wanted(ids):
        if lookup == "tagged":
            conditions.append(f"({email} {like} AND {email} {like})")
            params += [f"{escape(value[0])}%", f"%{escape(value[1])}"]
        elif lookup == "internal_id__in":
            conditions.append(f"a.internal_id IN ({', '.join(['%s'] * len(value))})")
            params += sorted(value)
        else:
            conditions.append(f"a.{lookup} = %s")
            params.append(value)
    return conditions, params
