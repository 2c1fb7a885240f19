"""A customer's timeline as the customer page shows it: one line per call or action, except
that a run of reads of the customer (every page view is a GetCustomer) folds into one line
per person, "Viewed 20 times, 14:02–15:40" beside who viewed (the line's Who), to the
minute. Every call keeps its own audit row; the admin's trail still lists them one by one.
Plain functions over rows.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format
from django.utils.timezone import localtime

from customers.audit.filters import override_result
from customers.audit.labels import TO_THE_MINUTE
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
    # What came of it, when no customer was made (failed, or not known yet): in the row's words.
    result = override_result(entry.message)
    came = f" {result}" if result and not entry.customer_id else ""
    told = copy.copy(entry)  # for the page only: a row is never saved twice
    told.message = (
        f"An agent chose to create a separate customer{new} despite a strong match with this "
        f"one.{came} This customer was not changed."
    )
    return told


def _folds(entry: AuditEntry) -> bool:
    # Failed reads stay on their own line: an auditor looks for those.
    return entry.operation in READS and entry.outcome == AuditEntry.Outcome.OK


def _minute(moment: datetime, *, with_day: bool) -> str:
    return date_format(localtime(moment), TO_THE_MINUTE if with_day else "H:i")


def actor_label(entry: AuditEntry) -> str:
    """Who acted, and how when it was not the web page: "maria.r via assistant (token …ab12)"."""
    who = entry.username or "—"
    if entry.channel == Channel.ASSISTANT:
        # No token on the rows of what became of a link made through the assistant.
        token = f" (token …{entry.token_prefix[-4:]})" if entry.token_prefix else ""
        return f"{who} via assistant{token}"
    if entry.channel == Channel.COMMAND:
        return f"{who} (command)"
    return who


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
    """One line for one person's successful reads, newest first as the timeline is: how
    many, and when to the minute ("07:08", or "07:08–07:15" when they span minutes). Who
    viewed is the line's own Who, so the sentence does not name them again."""
    newest, oldest = localtime(run[0].created_at), localtime(run[-1].created_at)
    with_day = newest.date() != oldest.date()
    first, last = _minute(oldest, with_day=with_day), _minute(newest, with_day=with_day)
    when = first if first == last else f"{first}{' – ' if with_day else '–'}{last}"
    return TimelineLine(
        when=run[0].created_at,
        who=actor_label(run[0]),
        what=f"Viewed {len(run)} times, {when}.",
        outcome=run[0].get_outcome_display(),
        count=len(run),
    )


def timeline_fold(entries: Sequence[AuditEntry]) -> list[TimelineLine]:
    """Lines for rows given newest first. A run of successful reads with nothing else
    between them becomes one line per person who read (in the order of their newest read),
    so two agents' views of one customer do not interleave; a person's single read keeps
    its own line, as does every other row."""
    lines: list[TimelineLine] = []
    run: dict[str, list[AuditEntry]] = {}

    def close_run() -> None:
        for reads in run.values():
            lines.append(entry_line(reads[0]) if len(reads) == 1 else reads_line(reads))
        run.clear()

    for entry in entries:
        if _folds(entry):
            run.setdefault(actor_label(entry), []).append(entry)
            continue
        close_run()
        lines.append(entry_line(entry))
    close_run()
    return lines
