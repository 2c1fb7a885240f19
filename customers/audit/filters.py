"""The audit list's own filters (RevCent's error codes, and those for what the team
overview counts) and the readings of an audit row's message they rely on.

Each filter selects exactly the rows one kind of figure on the overview counts
(customers/audit/figures.py uses the same functions), so a number and the list it opens
agree. A SimpleListFilter reads its own parameter (customers/team/admin_lists.py lets it).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from customers.models import AuditEntry

Op = AuditEntry.Operation
Outcome = AuditEntry.Outcome

# A RevCent call that failed: RevCent said no, answered nonsense, or did not answer in time.
# ("refused": never sent, by our own checks; "unknown": no outcome recorded.)
FAILED_OUTCOMES = (
    Outcome.API_ERROR,
    Outcome.INVALID_RESPONSE,
    Outcome.TIMEOUT,
    Outcome.NETWORK_ERROR,
)

# The caller check's message when it was not even tried: too many wrong answers
# (customers/existing/callers.py, "…was not checked: 5 wrong answers in 15 minutes…").
CALLER_LOCKED_MARK = "was not checked"

# The refused inputs' names in a CardNumberRefused message: "…refused in first_name,
# last_name on /customers/new/…", "…refused in email (assistant)…", "…in a.b of tool…".
_REFUSED_IN = re.compile(r"refused in (.+?)(?: \(| on | of |; |$)")
# A DuplicateOverride row's message (duplicates.override_message): "Chose to create anyway
# despite …, reason: “<reason>”. Result: …"; rows from before it: "Created anyway despite
# N strong match(es) (…): <reason>" or "…although the duplicate search failed: <reason>".
_REASON_OPEN, _REASON_CLOSE = ", reason: “", "”. Result:"
_OVERRIDE_DESPITE = re.compile(r"^Created anyway despite [^(]*\(.*?\): ", re.DOTALL)
_OVERRIDE_FAILED = "Created anyway although the duplicate search failed: "


def refused_fields(message: str) -> list[str]:
    """The inputs a card-number refusal names, in its message's order."""
    found = _REFUSED_IN.search(message)
    return [name.strip() for name in found.group(1).split(",")] if found else []


def override_reason(message: str) -> str:
    """The reason an agent gave for creating despite the duplicate gate, as its
    DuplicateOverride row's message quotes it ("" if it quotes none)."""
    if message.startswith("Chose to create anyway"):
        start, end = message.find(_REASON_OPEN), message.rfind(_REASON_CLOSE)
        return message[start + len(_REASON_OPEN) : end] if 0 <= start < end else ""
    if message.startswith(_OVERRIDE_FAILED):
        return message[len(_OVERRIDE_FAILED) :]
    found = _OVERRIDE_DESPITE.match(message)
    return message[found.end() :] if found else ""


def override_result(message: str) -> str:
    """What came of a "Create anyway" decision, as its DuplicateOverride row says it
    ("Result: …"; "" for rows from before the result was written in)."""
    if not message.startswith("Chose to create anyway"):
        return ""
    end = message.rfind(_REASON_CLOSE)  # the last: a reason may hold the same words
    return message[end + len(_REASON_CLOSE) - len("Result:") :] if end >= 0 else ""


def caller_check_q(which: str) -> Q:
    """Caller checks that failed: a wrong answer ("wrong"), or not tried, locked ("locked")."""
    failed = Q(operation=Op.CALLER_VERIFICATION_FAILED)
    locked = Q(message__contains=CALLER_LOCKED_MARK)
    return failed & (locked if which == "locked" else ~locked)


# A card link that ended without a card: expired early by an agent, or lapsed at its time.
CARD_LINK_UNUSED = (Op.CARD_LINK_EXPIRED, Op.CARD_LINK_LAPSED)


class CardLinkUnusedFilter(admin.SimpleListFilter):
    title = "card link ended"
    parameter_name = "card_link"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("unused", "Without a card (expired early or lapsed)")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry]
    ) -> QuerySet[AuditEntry]:
        if self.value() == "unused":
            return queryset.filter(operation__in=CARD_LINK_UNUSED)
        return queryset


class ResultFilter(admin.SimpleListFilter):
    title = "result"
    parameter_name = "result"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("failed", "RevCent call failed")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry]
    ) -> QuerySet[AuditEntry]:
        if self.value() == "failed":
            return queryset.filter(kind=AuditEntry.Kind.API_CALL, outcome__in=FAILED_OUTCOMES)
        return queryset


class CallerCheckFilter(admin.SimpleListFilter):
    title = "caller check failed"
    parameter_name = "caller_check"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("wrong", "Wrong answer"), ("locked", "Locked: too many wrong answers")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry]
    ) -> QuerySet[AuditEntry]:
        if self.value() in ("wrong", "locked"):
            return queryset.filter(caller_check_q(str(self.value())))
        return queryset


class _MessagePartFilter(admin.SimpleListFilter):
    """Rows of one operation whose message holds a given part (a refused input's name, an
    override reason). The parts are read in Python from the few rows that can hold them."""

    operation: AuditEntry.Operation
    # Every audit page lists the choices: read once a minute, from at most 200 rows of the
    # operation's index (in no order: ordering them by time could walk the trail's time index).
    CACHE_SECONDS, ROWS_READ, SHOWN = 60, 200, 30

    def part_of(self, message: str) -> list[str]:
        raise NotImplementedError

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        key = f"audit:{self.parameter_name}:v1"
        parts: list[str] = cache.get_or_set(key, self._parts, self.CACHE_SECONDS) or []
        chosen = self.value()
        if chosen and chosen not in parts:
            parts = [chosen, *parts]  # shown, so that it filters (admin drops a filter without)
        return [(part, part[:60]) for part in parts]

    def _parts(self) -> list[str]:
        rows = AuditEntry.objects.filter(operation=self.operation).order_by()
        seen: dict[str, None] = {}
        for message in rows.values_list("message", flat=True)[: self.ROWS_READ]:
            seen.update(dict.fromkeys(self.part_of(message)))
        return sorted(seen)[: self.SHOWN]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry]
    ) -> QuerySet[AuditEntry]:
        chosen = self.value()
        if not chosen:
            return queryset
        rows = queryset.filter(operation=self.operation, message__contains=chosen)
        ids = [pk for pk, msg in rows.values_list("pk", "message") if chosen in self.part_of(msg)]
        return queryset.filter(pk__in=ids)


class RefusedFieldFilter(_MessagePartFilter):
    title = "card number refused in"
    parameter_name = "refused_field"
    operation = Op.CARD_NUMBER_REFUSED

    def part_of(self, message: str) -> list[str]:
        return refused_fields(message)


class OverrideReasonFilter(_MessagePartFilter):
    title = "override reason"
    parameter_name = "override_reason"
    operation = Op.DUPLICATE_OVERRIDE

    def part_of(self, message: str) -> list[str]:
        reason = override_reason(message)
        return [reason] if reason else []


class ErrorCodeFilter(admin.SimpleListFilter):
    """RevCent's error codes seen so far, for filtering the trail by one.

    The codes are read with a "loose index scan": one index look-up per distinct code in the
    partial index of error rows, never a DISTINCT over the trail (a million rows).
    """

    title = "RevCent error code"
    parameter_name = "error_code"
    MAX_CODES = 50
    CACHE_KEY, CACHE_SECONDS = "audit:error-codes:v1", 60

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        # Every audit page lists them; a code first seen in the last minute may be missing.
        codes: list[str] = cache.get_or_set(self.CACHE_KEY, self._codes, self.CACHE_SECONDS) or []
        return [(code, code) for code in codes]

    def _codes(self) -> list[str]:
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        sql = f"""
            WITH RECURSIVE codes(code) AS (
                SELECT MIN(error_code) FROM {table} WHERE error_code <> ''
                UNION ALL
                SELECT (SELECT MIN(error_code) FROM {table}
                        WHERE error_code <> '' AND error_code > codes.code)
                FROM codes WHERE codes.code IS NOT NULL
            )
            SELECT code FROM codes WHERE code IS NOT NULL LIMIT {self.MAX_CODES}
        """
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [code for (code,) in cursor.fetchall()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry]
    ) -> QuerySet[AuditEntry]:
        if self.value():
            return queryset.filter(error_code=self.value())
        return queryset
