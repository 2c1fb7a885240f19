"""This app's creates of the last 24 hours that share an identifier with a person.

RevCent's search index may not show a customer created a moment ago, so every duplicate
check also reads this app's own recent creates: on each duplicate-panel refresh, and twice
per create (before the person's turn and inside it). That read is one SQL statement written
here rather than built by the ORM: building the same query through the ORM cost about 2 ms
of Python each time, more than the database's own work. tests/creating/test_recent_creates.py
checks it finds exactly the rows of the ORM filter it replaced.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import connection, models
from django.utils import timezone

from customers.matching import Identifiers, email_without_tag, normalize_internal_id
from customers.models import CreateAttempt

RECENT = timedelta(hours=24)


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
    """Conditions any of which makes an attempt look like ids: the e-mail (also without a
    +tag), the phone, the internal ID (stored folded; older rows as typed), the last name."""
    like = cast(Any, connection).operators["startswith"]  # "LIKE %s", with ESCAPE on SQLite
    email = connection.ops.lookup_cast("startswith") % "a.email"
    escape = connection.ops.prep_for_like_query
    conditions: list[str] = []
    params: list[Any] = []
    if ids.email:
        address = ids.email.strip().lower()
        local, _, domain = email_without_tag(address).partition("@")
        conditions += ["a.email = %s", f"({email} {like} AND {email} {like})", "a.email = %s"]
        params += [address, f"{escape(local)}+%", f"%@{escape(domain)}", f"{local}@{domain}"]
    if ids.phone:
        conditions.append("a.phone = %s")
        params.append(ids.phone)
    if ids.internal_id:
        internal = sorted({normalize_internal_id(ids.internal_id), ids.internal_id})
        conditions.append(f"a.internal_id IN ({', '.join(['%s'] * len(internal))})")
        params += internal
    if ids.last_name:
        conditions.append("a.last_name = %s")
        params.append(ids.last_name.strip().casefold())
    return conditions, params
