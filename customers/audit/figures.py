"""The team overview's figures: plain functions of a Scope, each returning a Table whose
numbers link to the audit list of exactly the rows they count (overview.py).

Counts are ORM aggregates over the trail (one query per table); the durations' percentiles
are in durations.py, and the median submit → verified time is taken in Python from the
period's creates. settled.py serves the days that are over from the cache.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from functools import reduce
from operator import or_

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from customers.audit.durations import durations_per_day
from customers.audit.filters import (
    CARD_LINK_UNUSED,
    FAILED_OUTCOMES,
    caller_check_q,
    refused_fields,
)
from customers.audit.overview import Cell, Scope, Table
from customers.models import AuditEntry, Channel, CreateAttempt

Op = AuditEntry.Operation
Outcome = AuditEntry.Outcome
API_CALL = AuditEntry.Kind.API_CALL
CREATED = Q(kind=API_CALL, operation=Op.CREATE_CUSTOMER, outcome=Outcome.OK)
CREATED_PARAMS = {
    "kind__exact": API_CALL.value,
    "operation__exact": Op.CREATE_CUSTOMER.value,
    "outcome__exact": Outcome.OK.value,
}
GATE = {
    "Stopped at the gate": Op.DUPLICATE_GATE_STOPPED,
    "Went to the existing customer": Op.DUPLICATE_MATCH_USED,
    "Created anyway": Op.DUPLICATE_OVERRIDE,
}
CALL_OUTCOMES = [o for o in Outcome if o != Outcome.DENIED]


def _day_counts(scope: Scope, q: Q, by: str) -> dict[tuple[date, str], int]:
    rows = (
        scope.rows()
        .filter(q)
        .annotate(day=TruncDate("created_at", tzinfo=scope.zone))
        .values_list("day", by)
        .annotate(n=Count("id"))
    )
    return {(day, key): n for day, key, n in rows}


def created_per_day(scope: Scope) -> Table:
    counts = _day_counts(scope, CREATED, "channel")
    channels = [c.value for c in Channel]
    table = Table("created", "Customers created per day", ["Day", *channels, "Total"])
    for day in scope.days:
        one = scope.one_day(day)
        cells = [
            Cell(counts.get((day, ch), 0), one.list_url(**CREATED_PARAMS, channel__exact=ch))
            for ch in channels
        ]
        total = sum(n for (d, _), n in counts.items() if d == day)
        cells.append(Cell(total, one.list_url(**CREATED_PARAMS)))
        table.rows.append((day.isoformat(), cells))
    return table


def _usernames(ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=set(ids)).values_list("pk", "username"))


def _per_user(scope: Scope, counts: dict[str, Q]) -> dict[int, dict[str, int]]:
    """{user id: {name: count}} of the scope's rows with a user, one query."""
    names = list(counts)
    rows = (
        scope.rows()
        # Only the rows some count takes (an agent action is one row in thousands): read
        # through the operation index rather than every row of the period.
        .filter(reduce(or_, counts.values()), user__isnull=False)
        .values_list("user_id")
        .annotate(**{f"n{i}": Count("id", filter=counts[name]) for i, name in enumerate(names)})
    )
    found: dict[int, dict[str, int]] = {}
    for uid, *numbers in rows:
        if any(numbers):
            found[uid] = dict(zip(names, numbers, strict=True))
    return found


def _by_agent(scope: Scope, table: Table, counts: dict[str, tuple[Q, dict[str, str]]]) -> Table:
    per_user = _per_user(scope, {f"c{i}": q for i, (q, _) in enumerate(counts.values())})
    names = _usernames(per_user)
    for uid in sorted(per_user, key=lambda uid: names.get(uid, "").casefold()):
        one = scope.for_user(uid)
        cells = [
            Cell(per_user[uid][f"c{i}"], one.list_url(**params))
            for i, (_, params) in enumerate(counts.values())
        ]
        table.rows.append((names.get(uid, f"user {uid}"), cells))
    return table


def gate_per_agent(scope: Scope) -> Table:
    table = Table("gate", "Duplicate gate outcomes per agent", ["Agent", *GATE])
    return _by_agent(
        scope,
        table,
        {label: (Q(operation=op), {"operation__exact": op.value}) for label, op in GATE.items()},
    )


def calls_by_operation(scope: Scope) -> Table:
    rows = scope.rows().filter(kind=API_CALL).values_list("operation", "outcome")
    counts = {(op, out): n for op, out, n in rows.annotate(n=Count("id"))}
    labels = [o.label for o in CALL_OUTCOMES]
    table = Table("calls", "RevCent calls by operation and outcome", ["Operation", *labels])
    for op in sorted({op for op, _ in counts}):
        table.rows.append(
            (
                op,
                [
                    Cell(
                        counts.get((op, out.value), 0),
                        scope.list_url(
                            kind__exact=API_CALL.value,
                            operation__exact=op,
                            outcome__exact=out.value,
                        ),
                    )
                    for out in CALL_OUTCOMES
                ],
            )
        )
    return table


def failures_by_code(scope: Scope) -> Table:
    # The calls without a code are grouped too and left out here: asked for in SQL, the
    # planner may pair the time range with the index of every error row (10 ms, not 0.1).
    rows = scope.rows().filter(kind=API_CALL).values_list("error_code")
    table = Table("errors", "RevCent failures by error code", ["Error code", "Calls"])
    for code, n in sorted(rows.annotate(n=Count("id"))):
        if not code:
            continue
        table.rows.append(
            (code, [Cell(n, scope.list_url(kind__exact="api_call", error_code=code))])
        )
    return table


def failures_per_day(scope: Scope) -> Table:
    failed = Q(kind=API_CALL, outcome__in=FAILED_OUTCOMES)
    counts = _day_counts(scope, failed, "kind")
    table = Table("failures", "RevCent failures per day", ["Day", "Failed calls"])
    for day in scope.days:
        url = scope.one_day(day).list_url(result="failed")
        table.rows.append((day.isoformat(), [Cell(counts.get((day, API_CALL.value), 0), url)]))
    return table


def safety(scope: Scope) -> Table:
    table = Table("safety", "Card numbers and caller checks", ["Event", "Count"])
    refused = scope.rows().filter(operation=Op.CARD_NUMBER_REFUSED)
    by_field: dict[str, int] = defaultdict(int)
    for message in refused.values_list("message", flat=True):
        for name in refused_fields(message):
            by_field[name] += 1
    refused_url = scope.list_url(operation__exact=Op.CARD_NUMBER_REFUSED.value)
    table.rows.append(("Card numbers refused", [Cell(refused.count(), refused_url)]))
    for name in sorted(by_field):
        url = scope.list_url(refused_field=name)
        table.rows.append((f"Card number refused in {name}", [Cell(by_field[name], url)]))
    for which, label in (("wrong", "wrong answer"), ("locked", "locked")):
        n = scope.rows().filter(caller_check_q(which)).count()
        table.rows.append(
            (f"Caller check failed: {label}", [Cell(n, scope.list_url(caller_check=which))])
        )
    table.rows.extend(card_link_rows(scope))
    return table


def card_link_rows(scope: Scope) -> list[tuple[str, list[Cell]]]:
    """Card links sent, used (a card received) and ended unused (expired early by an agent,
    or lapsed at their time: customers/existing/cardlinks.py records both), as the trail
    has them: by when each happened, not when the link was sent."""
    counts = dict(
        scope.rows()
        .filter(operation__in=[Op.CARD_LINK_CREATED, Op.CARD_LINK_USED, *CARD_LINK_UNUSED])
        .values_list("operation")
        .annotate(n=Count("id"))
    )
    sent, used = Op.CARD_LINK_CREATED, Op.CARD_LINK_USED
    unused = sum(counts.get(op, 0) for op in CARD_LINK_UNUSED)
    return [
        ("Card links sent", [Cell(counts.get(sent, 0), scope.list_url(operation__exact=sent))]),
        ("Card links used", [Cell(counts.get(used, 0), scope.list_url(operation__exact=used))]),
        ("Card links expired unused", [Cell(unused, scope.list_url(card_link="unused"))]),
    ]


def agent_medians(scope: Scope) -> dict[str, str]:
    """Each agent's median submit → verified time, by username."""
    medians = _median_seconds(scope)
    return {name: medians[uid] for uid, name in _usernames(medians).items()}


def _median_seconds(scope: Scope) -> dict[int, str]:
    attempts = CreateAttempt.objects.filter(
        created_at__gte=scope.start, created_at__lt=scope.end, verified_at__isnull=False
    )
    if scope.user_id is not None:
        attempts = attempts.filter(user_id=scope.user_id)
    if scope.channel:
        attempts = attempts.filter(channel=scope.channel)
    waits: dict[int, list[float]] = defaultdict(list)
    for uid, made, verified in attempts.values_list("user_id", "created_at", "verified_at"):
        if verified is not None:  # always, by the filter; the type checker cannot know
            waits[uid].append((verified - made).total_seconds())
    return {uid: f"{statistics.median(s):.1f} s" for uid, s in waits.items()}


def per_agent(scope: Scope) -> Table:
    columns = {
        "Creates": (CREATED, CREATED_PARAMS),
        "Overrides": (
            Q(operation=Op.DUPLICATE_OVERRIDE),
            {"operation__exact": Op.DUPLICATE_OVERRIDE.value},
        ),
        "Failures": (Q(kind=API_CALL, outcome__in=FAILED_OUTCOMES), {"result": "failed"}),
        "Refusals": (
            Q(operation=Op.CARD_NUMBER_REFUSED),
            {"operation__exact": Op.CARD_NUMBER_REFUSED.value},
        ),
    }
    table = Table(
        "agents",
        "Per agent",
        ["Agent", *columns, "Median submit → verified"],
        note="Submit → verified: from the create's submission to the customer page's "
        "read-back, over the creates verified (read from the creates, not the trail).",
    )
    _by_agent(scope, table, columns)
    with_medians(table, agent_medians(scope))
    table.rows.sort(key=lambda row: row[0].casefold())
    return table


def with_medians(table: Table, medians: dict[str, str]) -> None:
    """The per-agent table's last column, its agents with verified creates added."""
    listed = {label for label, _ in table.rows}
    for name in sorted(set(medians) - listed, key=str.casefold):
        table.rows.append((name, [Cell(0)] * (len(table.columns) - 2)))  # no trail rows
    width = len(table.columns) - 2
    table.rows[:] = [
        (label, [*cells[:width], Cell(medians.get(label, "—"))]) for label, cells in table.rows
    ]


FIGURES: dict[str, Callable[[Scope], Table]] = {
    "created": created_per_day,
    "gate": gate_per_agent,
    "calls": calls_by_operation,
    "failures": failures_per_day,
    "errors": failures_by_code,
    "durations": durations_per_day,
    "safety": safety,
    "agents": per_agent,
}


def all_figures(scope: Scope, *, without: str = "") -> dict[str, Table]:
    """Every figure of the page (but `without`), by slug, in the page's order."""
    return {slug: make(scope) for slug, make in FIGURES.items() if slug != without}
