"""What the benchmark does straight in the database (same DATABASE_URL as the servers):
users, the 1,000,000 audit rows, the audit-versus-upstream check, and query diagnostics.

Django is set up in this process with tests.bench.settings; nothing here runs in a server.
"""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from customers.models import AuditEntry  # noqa: E402
from customers.sandbox.models import SandboxApiCall  # noqa: E402
from customers.team.roles import AGENTS  # noqa: E402


def make_agents(count: int, password: str) -> list[str]:
    """Extra support agents for the load test (one password hash for all: it is slow)."""
    user_model = get_user_model()
    hashed = make_password(password)
    group = Group.objects.get(name=AGENTS)
    names = [f"load-agent-{index:02d}" for index in range(1, count + 1)]
    for name in names:
        user, _ = user_model.objects.get_or_create(username=name)
        user.password = hashed
        user.is_active = True
        user.save()
        user.groups.add(group)
    return names


def make_many_agents(count: int, password: str, prefix: str = "cap-agent") -> list[str]:
    """Support agents for the capacity step, in a few bulk statements (hundreds of them)."""
    user_model = get_user_model()
    hashed = make_password(password)
    group = Group.objects.get(name=AGENTS)
    names = [f"{prefix}-{index:03d}" for index in range(1, count + 1)]
    user_model.objects.bulk_create(
        [user_model(username=name, password=hashed, is_active=True) for name in names],
        ignore_conflicts=True,
        batch_size=500,
    )
    ids = user_model.objects.filter(username__in=names).values_list("pk", flat=True)
    through = user_model.groups.through
    through.objects.bulk_create(
        [through(user_id=pk, group_id=group.pk) for pk in ids], ignore_conflicts=True
    )
    return names


def clone_sessions(session_key: str, usernames: list[str]) -> list[str]:
    """A signed-in session for each user, copied from one made by a real sign-in with only
    the user swapped: what each would have after signing in, without hundreds of password
    hashes (each hundreds of ms of CPU) before the clock starts. Written to the database in
    bulk; the cached_db engine caches each on its first request, as after a sign-in that
    was evicted from the cache. The keys, in order."""
    from importlib import import_module

    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.utils.crypto import get_random_string

    store = import_module(settings.SESSION_ENGINE).SessionStore
    template = store(session_key=session_key).load()
    if SESSION_KEY not in template:
        raise RuntimeError("the session to copy is not signed in")
    model = store.get_model_class()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    expires = store().get_expiry_date()
    rows = []
    for name in usernames:
        data = {
            **template,
            SESSION_KEY: str(users[name].pk),
            HASH_SESSION_KEY: users[name].get_session_auth_hash(),
        }
        key = get_random_string(32, VALID_KEY_CHARS)
        rows.append(model(session_key=key, session_data=store().encode(data), expire_date=expires))
    model.objects.bulk_create(rows, batch_size=500)
    return [row.session_key for row in rows]


def calls_by_request(after_id: int) -> dict[str, str]:
    """api_call_id → request_id of the API-call audit rows after the given row id."""
    rows = AuditEntry.objects.filter(id__gt=after_id, kind=AuditEntry.Kind.API_CALL).exclude(
        api_call_id=""
    )
    return dict(rows.values_list("api_call_id", "request_id"))


def last_audit_id() -> int:
    last: int = AuditEntry.objects.aggregate(last=models.Max("id"))["last"] or 0
    return last


def second_factor(username: str) -> str:
    """If the app asks staff for a TOTP code, give `username` a known authenticator."""
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return ""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    key = os.urandom(20).hex()
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="bench", key=key, confirmed=True)
    return key


# --- Audit rows against the sandbox's own record of calls -------------------------------------
def api_call_snapshot() -> tuple[int, set[str]]:
    last = AuditEntry.objects.aggregate(last=models.Max("id"))["last"] or 0
    return last, set(SandboxApiCall.objects.values_list("api_call_id", flat=True))


def audit_match(snapshot: tuple[int, set[str]]) -> dict[str, object]:
    """Every upstream call of the run has its audit row, and no row lacks its call."""
    last, before = snapshot
    rows = AuditEntry.objects.filter(id__gt=last, kind=AuditEntry.Kind.API_CALL)
    audit_ids = list(rows.exclude(api_call_id="").values_list("api_call_id", flat=True))
    calls = set(SandboxApiCall.objects.values_list("api_call_id", flat=True)) - before
    audit_count = rows.count()
    not_ok = dict(
        rows.exclude(outcome=AuditEntry.Outcome.OK)
        .values_list("outcome")
        .annotate(n=models.Count("id"))
        .values_list("outcome", "n")
    )
    return {
        "match": set(audit_ids) == calls and audit_count == len(calls) == len(audit_ids),
        "audit_rows": audit_count,
        "audit_with_call_id": len(audit_ids),
        "upstream_calls": len(calls),
        "calls_without_row": len(calls - set(audit_ids)),
        "rows_without_call": len(set(audit_ids) - calls),
        "not_ok": not_ok,
    }


# --- 1,000,000 audit rows ---------------------------------------------------------------------
API_OPERATIONS = [
    # (operation, method, path, weight)
    ("SearchCustomers", "GET", "/v2/customers/search", 6),
    ("CreateCustomer", "POST", "/v2/customers", 2),
    ("GetCustomer", "GET", "/v2/customers/{id}", 2),
    ("GetCustomerGroups", "GET", "/v2/customer_groups", 1),
    ("AddCustomerToGroup", "POST", "/v2/customers/{id}/customer_group", 1),
]
AGENT_ACTIONS = ["SignIn", "SignInFailed", "DuplicateOverride", "CardLinkCreated", "CallerVerified"]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def insert_audit_rows(count: int) -> float:
    """One INSERT … SELECT generate_series: 85% API calls, 15% agent actions, 90 days;
    then VACUUM (ANALYZE)."""
    ops = [op for op, _, _, weight in API_OPERATIONS for _ in range(weight)]
    methods = [m for _, m, _, weight in API_OPERATIONS for _ in range(weight)]
    paths = [p for _, _, p, weight in API_OPERATIONS for _ in range(weight)]
    outcomes = ["ok"] * 16 + ["api_error", "timeout", "network_error", "invalid_response"]
    users = list(get_user_model().objects.order_by("id").values_list("id", "username"))
    user_ids = "ARRAY[" + ", ".join(str(pk) for pk, _ in users) + "]::bigint[]"
    usernames = _sql_array([name for _, name in users])
    known = {
        "created_at": "s.ts",
        "completed_at": "s.ts + (s.dur || ' milliseconds')::interval",
        "kind": "CASE WHEN s.api THEN 'api_call' ELSE 'agent_action' END",
        "operation": f"CASE WHEN s.api THEN ({_sql_array(ops)})[1 + s.o % {len(ops)}] "
        f"ELSE ({_sql_array(AGENT_ACTIONS)})[1 + s.o % {len(AGENT_ACTIONS)}] END",
        "http_method": f"CASE WHEN s.api THEN ({_sql_array(methods)})[1 + s.o % {len(ops)}] "
        "ELSE '' END",
        "path": f"CASE WHEN s.api THEN ({_sql_array(paths)})[1 + s.o % {len(ops)}] ELSE '' END",
        "search_term": "CASE WHEN s.api AND s.o % 12 < 6 "
        "THEN 'customer' || s.g || '@example.com' ELSE '' END",
        "target_customer_id": "''",
        "sandbox": "false",
        "outcome": f"CASE WHEN s.api THEN ({_sql_array(outcomes)})[1 + s.r % {len(outcomes)}] "
        "ELSE 'ok' END",
        "http_status": "CASE WHEN NOT s.api THEN NULL WHEN s.r % 20 < 16 THEN 200 "
        "WHEN s.r % 20 = 16 THEN 400 WHEN s.r % 20 = 19 THEN 502 ELSE NULL END",
        "revcent_code": "CASE WHEN s.api AND s.r % 20 < 16 THEN 1 "
        "WHEN s.api AND s.r % 20 = 16 THEN 0 ELSE NULL END",
        "error_code": "CASE WHEN s.api AND s.r % 20 = 16 THEN 'invalid_request' ELSE '' END",
        "api_call_id": "CASE WHEN s.api THEN substr(md5(s.g::text || random()::text), 1, 20) "
        "ELSE '' END",
        "api_call_unix": "CASE WHEN s.api THEN extract(epoch FROM s.ts)::bigint END",
        "message": "''",
        "customer_id": "CASE WHEN s.api AND s.o % 12 >= 6 "
        "THEN substr(md5(s.g::text || 'c'), 1, 20) ELSE '' END",
        "duration_ms": "CASE WHEN s.api THEN s.dur END",
        "user_id": f"({user_ids})[1 + s.u % {len(users)}]",
        "username": f"({usernames})[1 + s.u % {len(users)}]",
        "request_id": "md5(s.g::text)",
        "chain_seq": "NULL",
        "prev_hash": "''",
        "row_hash": "''",
    }
    columns, values = [], []
    for model_field in AuditEntry._meta.concrete_fields:
        if model_field.primary_key:
            continue
        column = model_field.column
        assert column is not None  # a concrete field has one
        columns.append(connection.ops.quote_name(column))
        values.append(known.get(column) or _fallback(model_field))
    sql = f"""
        INSERT INTO {AuditEntry._meta.db_table} ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM (
            SELECT g,
                   now() - random() * interval '90 days' AS ts,
                   random() < 0.85 AS api,
                   (random() * 1000000)::int AS o,
                   (random() * 1000000)::int AS r,
                   (random() * 1000000)::int AS u,
                   (20 + random() * 600)::int AS dur
            FROM generate_series(1, {int(count)}) AS g
        ) AS s
    """
    start = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        # VACUUM as well as ANALYZE: the rows stand for months of trail, which autovacuum
        # would have visited long ago. Left to it, it starts on the million new rows within
        # a minute, while the audit pages are being timed.
        cursor.execute(f"VACUUM (ANALYZE) {AuditEntry._meta.db_table}")
    return time.monotonic() - start


def _fallback(model_field) -> str:
    """A value for a column this file does not know (added after it was written)."""
    if model_field.null:
        return "NULL"
    if isinstance(model_field, models.BooleanField):
        return "false"
    if isinstance(model_field, models.DateTimeField):
        return "now()"
    if isinstance(model_field, models.IntegerField | models.BigIntegerField):
        return "0"
    return "''"


def sample_api_call_ids(count: int) -> list[str]:
    # Not one with 13 digits in a row: the card guard may read those as a card number and
    # blank the search (about 1 in 2,300 of these hex IDs); its first characters find it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT api_call_id FROM {AuditEntry._meta.db_table} "
            "WHERE api_call_id <> '' AND api_call_id !~ '[0-9]{13}' AND id %% 1000 = 7 LIMIT %s",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def open_audit_rows() -> int:
    """Rows opened and never completed: a part of a day holding one is not kept (settled.py)."""
    return AuditEntry.objects.filter(completed_at__isnull=True).count()


def audit_table_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
            [AuditEntry._meta.db_table],
        )
        return int(cursor.fetchone()[0])


# --- Diagnostics: the SQL a page runs, slowest first ------------------------------------------
def _client_for(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def query_census(
    username: str, path: str, *, data=None, headers: dict[str, str] | None = None
) -> dict[str, object]:
    """One request in this process: its time, and each SQL query with its own time.

    data: a function making a fresh POST body per request (None: a GET).
    """
    client = _client_for(username)

    def call():
        if data is None:
            return client.get(path, headers=headers)
        return client.post(path, data(), headers=headers)

    call()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = call()
        total = (time.perf_counter() - start) * 1000
    queries = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True
    )
    return {
        "status": response.status_code,
        "total_ms": total,
        "count": len(queries),
        "sql_ms": sum(ms for ms, _ in queries),
        "queries": queries,
    }


def audit_what_if(some_id: str) -> list[tuple[str, str, dict[str, object]]]:
    """The audit pages again with the two admin changes the diagnosis points to."""
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEntry]
    saved = model_admin.search_fields, model_admin.date_hierarchy
    exact = [name.lstrip("=^@") + "__exact" for name in model_admin.search_fields]
    search = f"/admin/customers/auditentry/?q={some_id}"
    changelist = "/admin/customers/auditentry/"
    out = []
    # The stubs declare these two ClassVar; the bench changes this one registered instance on
    # purpose, and puts them back below.
    try:
        model_admin.search_fields = exact  # type: ignore[misc]
        out.append((f"search_fields = {exact}", search, query_census("auditor", search)))
        model_admin.date_hierarchy = None  # type: ignore[misc]
        out.append(("and date_hierarchy = None", changelist, query_census("auditor", changelist)))
        out.append(("and date_hierarchy = None", search, query_census("auditor", search)))
    finally:
        model_admin.search_fields, model_admin.date_hierarchy = saved  # type: ignore[misc]
    return out


def explain(sql: str) -> list[str]:
    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def versions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    redis_version = "?"
    try:
        import redis

        info = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).info("server")
        redis_version = info.get("redis_version", "?")
    except Exception as exc:  # reported, not fatal
        redis_version = f"unknown ({type(exc).__name__})"
    return {"postgres": postgres, "redis": redis_version, "django": django.get_version()}
