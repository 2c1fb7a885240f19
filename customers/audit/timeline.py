"""A customer's timeline as the customer page shows it: one line per call or action, except
that a run of reads of the customer (every page view is a GetCustomer) folds into one line,
"Viewed 20 times between 14:02:11 and 15:40:09 by agent, ana". Every call keeps its own
audit row; the admin's trail still lists them one by one. Plain functions over rows.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format
from django.utils.timezone import localtime

from customers.audit.labels import TO_THE_SECOND
from customers.audit.writer import customer_timeline
from customers.models import AuditEntry, Channel

Op = AuditEntry.Operation
READS = frozenset({Op.GET_CUSTOMER, Op.GET_CUSTOMER_GROUPS})

# What each RevCent call means for the customer, for people who do not know the API's names.
CALL_WORDS = {
    Op.SEARCH_CUSTOMERS: "Looked for in RevCent by a search",
    Op.CREATE_CUSTOMER: "Created in RevCent",
    Op.GET_CUSTOMER: "Viewed: the record was read from RevCent",
    Op.GET_CUSTOMER_GROUPS: "The customer groups were listed",
    Op.ADD_CUSTOMER_TO_GROUP: "Added to customer groups in RevCent",
    Op.CREATE_NOTE: "A note was added in RevCent",
    Op.GET_API_CALLS: "Looked for in RevCent's API-call log",
}
# Rows read to make the page's lines: enough that folded reads leave room for the rest.
ROWS_READ = 500


@dataclass(frozen=True)
class TimelineLine:
    when: datetime  # the newest moment of the line
    who: str
    what: str
    outcome: str
    api_call_id: str = ""
    count: int = 1  # rows folded into this line


def customer_timeline_lines(customer_id: str, *, limit: int = 50) -> list[TimelineLine]:
    """The customer page's timeline: the newest rows about the customer, reads folded."""
    rows = customer_timeline(customer_id, limit=ROWS_READ)
    return timeline_fold([as_seen_by(customer_id, row) for row in rows])[:limit]


def as_seen_by(customer_id: str, entry: AuditEntry) -> AuditEntry:
    """A row as customer `customer_id`'s timeline tells it. A "Create anyway" that matched
    this customer is a note that an agent chose a separate customer, never a create of this
    one (the row itself, unchanged, keeps the decision's own words for the trail)."""
    if not (
        entry.operation == Op.DUPLICATE_OVERRIDE
        and entry.target_customer_id == customer_id
        and entry.customer_id != customer_id
    ):
        return entry
    new = f", {entry.customer_id}," if entry.customer_id else ""
    told = copy.copy(entry)  # for the page only: a row is never saved twice
    told.message = (
        f"An agent chose to create a separate customer{new} despite a strong match with this "
        "one. This customer was not changed."
    )
    return told


def _folds(entry: AuditEntry) -> bool:
    # Failed reads stay on their own line: an auditor looks for those.
    return entry.operation in READS and entry.outcome == AuditEntry.Outcome.OK


def _time(moment: datetime, *, with_day: bool) -> str:
    return date_format(localtime(moment), TO_THE_SECOND if with_day else "H:i:s")


def actor_label(entry: AuditEntry) -> str:
    """Who acted, and how when it was not the web page: "maria.r via assistant (token …ab12)"."""
    who = entry.username or "—"
    if entry.channel == Channel.ASSISTANT:
        return f"{who} via assistant (token …{entry.token_prefix[-4:]})"
    if entry.channel == Channel.COMMAND:
        return f"{who} (command)"
    return who


def _names(entries: Sequence[AuditEntry]) -> str:
    names = dict.fromkeys(actor_label(entry) for entry in reversed(entries))
    return ", ".join(names)


def entry_line(entry: AuditEntry) -> TimelineLine:
    if entry.kind == AuditEntry.Kind.AGENT_ACTION:
        # Agent actions' messages are sentences of their own ("The caller's ZIP code …").
        what = entry.message or entry.get_operation_display()
    else:
        words = CALL_WORDS.get(AuditEntry.Operation(entry.operation), entry.operation)
        what = f"{words} ({entry.operation})."  # the API's name, for auditors who know it
    return TimelineLine(
        when=entry.created_at,
        who=actor_label(entry),
        what=what,
        outcome=entry.get_outcome_display(),
        api_call_id=entry.api_call_id,
    )


def reads_line(run: Sequence[AuditEntry]) -> TimelineLine:
    """One line for a run of successful reads, newest first as the timeline is."""
    newest, oldest = run[0].created_at, run[-1].created_at
    same_day = localtime(newest).date() == localtime(oldest).date()
    what = (
        f"Viewed {len(run)} times between {_time(oldest, with_day=not same_day)} and "
        f"{_time(newest, with_day=not same_day)} by {_names(run)}."
    )
    return TimelineLine(
        when=newest,
        who=_names(run),
        what=what,
        outcome=run[0].get_outcome_display(),
        count=len(run),
    )


def timeline_fold(entries: Sequence[AuditEntry]) -> list[TimelineLine]:
    """Lines for rows given newest first: each run of two or more successful reads with
    nothing else between them becomes one line; every other row is a line of its own."""
    lines: list[TimelineLine] = []
    run: list[AuditEntry] = []

    def close_run() -> None:
        if len(run) == 1:
            lines.append(entry_line(run[0]))
        elif run:
            lines.append(reads_line(run))
        run.clear()

    for entry in entries:
        if _folds(entry):
            run.append(entry)
            continue
        close_run()
        lines.append(entry_line(entry))
    close_run()
    return lines
