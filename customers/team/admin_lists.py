"""What an admin list accepts from its query string: the lookups its own filters offer, with
values their fields can hold. One rule for every list in the admin, Django's and third
parties' included: the admin site mixes it into every ModelAdmin it registers
(admin_site.py).

Why: Django's change list runs any lookup on a model's own fields that the query string
names (`?username__regex=(a+)+$`: 1.3 s for a 25-character pattern), and gives values to the
database unchecked: a NUL byte is a 500 on PostgreSQL, a year past 9999 in the date hierarchy
or an ID past the integer range a 500 on any database. A link sent to an auditor or an
admin can carry any of them. So a list accepts only:

- the parameters its list filters read (each filter's own), and plain equality (`field` or
  `field__exact`) on a field a list filter is on;
- the date hierarchy's year, month and day, as a real date;

and a value is accepted only if its field can hold it (the field's to_python, choices and
validators: an ID within the database's integer range, a choice the field offers, a date).
Anything else is a 400 before any query runs. A list filter of our own (SimpleListFilter)
reads its values itself, so only the NUL rule applies to them. The search box is Django's
form, which refuses a NUL already; the page then shows its message.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, MINYEAR, date
from functools import cache
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.db.models import Field, Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

if TYPE_CHECKING:  # ModelAdmin is generic in the stubs only, not at run time
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin

_YEAR_MONTH_DAY = re.compile(r"[0-9]{1,4}")
# The 400's reasons (Django logs them) name no value from the address: it could be anything.
NOT_OFFERED = "The address asks for a filter this list does not offer."
NOT_A_VALUE = "The address gives a filter a value it cannot have"


class GuardedChangeList(ChangeList):
    """A change list that refuses, with a 400, what its own filters do not offer."""

    def get_filters_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        # A GET form's empty choice (the audit list's "All users") means no filter, as an
        # empty field does in any form; Django would filter on "" and find nothing to show.
        given = super().get_filters_params(params)
        return {key: values for key, values in given.items() if any(values)}

    def get_filters(self, request: HttpRequest) -> tuple[Any, ...]:
        raw: dict[str, list[str]] = self.get_filters_params()
        _refuse_nul(request)
        years = self._date_hierarchy_checked(raw)
        specs, has_filters, remaining, duplicates, active = super().get_filters(request)
        # What the filters read: a field filter's values must be its field's (a filter shown
        # or not: one with a single choice still filters); our own filters read theirs.
        own = {
            key
            for spec in specs
            if not isinstance(spec, admin.FieldListFilter)
            for key in spec.expected_parameters()
        }
        hierarchy = {f"{self.date_hierarchy}__{unit}" for unit in ("year", "month", "day")}
        for key in set(raw) - set(remaining) - own - hierarchy:
            try:
                field, lookup = _field_and_lookup(self.model, key)
            except BadRequest:
                continue  # a filter of its own with no choices to show reads it
            self._check_values(key, raw[key], field, lookup)
        # The date hierarchy's own bounds, made from the year above.
        made = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"} if years else set()
        equality = _filtered_fields(self.list_filter)
        for key in set(remaining) - made:
            if key.removesuffix(f"{LOOKUP_SEP}exact") not in equality:
                raise BadRequest(NOT_OFFERED)
            self._check_values(key, raw[key], *_field_and_lookup(self.model, key))
        return specs, has_filters, remaining, duplicates, active

    @staticmethod
    def _check_values(key: str, values: list[str], field: Field[Any, Any], lookup: str) -> None:
        for value in values:
            if not _holds(field, lookup, value):
                raise BadRequest(f"{NOT_A_VALUE} ({key[:40]}).")

    def _date_hierarchy_checked(self, raw: dict[str, list[str]]) -> bool:
        """Whether a date-hierarchy year is given, after checking it is a real date (Django's
        own check lets an overflowing year through to a 500)."""
        if not self.date_hierarchy:
            return False
        given = {
            unit: raw.get(f"{self.date_hierarchy}__{unit}") for unit in ("year", "month", "day")
        }
        if given["year"] is None:
            return False  # a month or day alone is no filter this list offers (refused later)
        parts: dict[str, int] = {}
        for unit, values in given.items():
            for value in values or ():
                if not _YEAR_MONTH_DAY.fullmatch(value):
                    raise BadRequest(f"{NOT_A_VALUE} (the {unit}).")
            if values:
                parts[unit] = int(values[-1])  # the one Django uses
        # A year's list runs to the next year's first day: both must be dates.
        if not MINYEAR < parts["year"] < MAXYEAR:
            raise BadRequest(f"{NOT_A_VALUE} (the year).")
        try:
            date(parts["year"], parts.get("month", 1), parts.get("day", 1))
        except ValueError as exc:
            raise BadRequest(f"{NOT_A_VALUE} (the date).") from exc
        return True


_GUARDED: dict[type[ChangeList], type[ChangeList]] = {ChangeList: GuardedChangeList}


def _guarded(changelist: type[ChangeList]) -> type[ChangeList]:
    """The change list class with the guard (an admin may bring its own change list)."""
    if issubclass(changelist, GuardedChangeList):
        return changelist
    if changelist not in _GUARDED:
        name = f"Guarded{changelist.__name__}"
        _GUARDED[changelist] = type(name, (GuardedChangeList, changelist), {})
    return _GUARDED[changelist]


class QueryStringGuard(_ModelAdmin):
    """Mixed first into every registered ModelAdmin (admin_site.py): its list is guarded."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _guarded(super().get_changelist(request, **kwargs))


@cache
def with_query_string_guard(admin_class: type[_ModelAdmin]) -> type[_ModelAdmin]:
    """admin_class with the guard mixed in first (the class itself if it has it already)."""
    if issubclass(admin_class, QueryStringGuard):
        return admin_class
    return type(
        admin_class.__name__,
        (QueryStringGuard, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


def _refuse_nul(request: HttpRequest) -> None:
    # PostgreSQL cannot take a NUL in text; no filter, ordering or page number holds one.
    for key, values in request.GET.lists():
        if "\x00" in key or (key != SEARCH_VAR and any("\x00" in v for v in values)):
            raise BadRequest("The address holds a NUL character.")


def _filtered_fields(list_filter: Any) -> set[str]:
    """The field paths the list filters are on (a SimpleListFilter is on none)."""
    paths = set()
    for item in list_filter:
        path = item[0] if isinstance(item, list | tuple) else item
        if isinstance(path, str):
            paths.add(path)
    return paths


def _field_and_lookup(model: type[Model], key: str) -> tuple[Field[Any, Any], str]:
    """The field a lookup such as `user__id__exact` compares, and its lookup (`exact`)."""
    parts = key.split(LOOKUP_SEP)
    opts = model._meta
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            raise BadRequest(NOT_OFFERED) from None
        rest = parts[index + 1 :]
        if field.is_relation and field.related_model and rest:
            try:
                field.related_model._meta.get_field(rest[0])
            except FieldDoesNotExist:
                pass  # `user__exact`: a lookup on the relation itself
            else:
                opts = field.related_model._meta
                continue
        if field.is_relation:
            field = getattr(field, "target_field", field)
        if not isinstance(field, Field):
            raise BadRequest(NOT_OFFERED)
        return field, LOOKUP_SEP.join(rest) or "exact"
    raise BadRequest(NOT_OFFERED)


def _holds(field: Field[Any, Any], lookup: str, value: str) -> bool:
    """Whether value, as the query string gives it, is one field can hold for lookup."""
    if lookup == "isnull":
        return True  # Django reads any value as yes or no
    for part in value.split(",") if lookup == "in" else [value]:
        try:
            python = field.to_python(part)
            if field.choices and python not in {key for key, _ in field.flatchoices}:
                return False
            field.run_validators(python)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
    return True
