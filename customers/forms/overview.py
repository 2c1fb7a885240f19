"""The team overview's filter form: a period, an agent, a way in. Read from the query string
(it holds no customer data: dates, a user ID, a channel)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict

from customers.audit.overview import MAX_DAYS, Scope, scope_for
from customers.forms.html import OnePassSelect
from customers.models import Channel

# Dates a trail can hold; beyond them a day's end in some time zone is no datetime at all.
DATE_BOUNDS = [
    MinValueValidator(date(2000, 1, 1), "Give a date from 2000 on."),
    MaxValueValidator(date(2999, 12, 31), "Give a date before 3000."),
]

PERIODS = [
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("range", "From – to"),
]


if TYPE_CHECKING:  # ModelChoiceField is generic in the stubs only, not at run time
    _UserChoiceField = forms.ModelChoiceField[User]
else:
    _UserChoiceField = forms.ModelChoiceField


if TYPE_CHECKING:  # generic in the stubs only, as ModelChoiceField
    _UserChoiceIterator = ModelChoiceIterator[User]
else:
    _UserChoiceIterator = ModelChoiceIterator


class _UsernameChoices(_UserChoiceIterator):
    """(id, username) pairs read as such, the username as the label: a User built per
    option was most of the form's time with hundreds of agents."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "username")


class AgentChoiceField(_UserChoiceField):
    iterator = _UsernameChoices


class OverviewForm(forms.Form):
    error_messages = {
        "dates": "Give both dates for a from – to period.",
        "too_long": f"A period is at most {MAX_DAYS} days; the last {MAX_DAYS} are shown.",
    }

    period = forms.ChoiceField(
        choices=PERIODS, initial="7d", required=False, widget=forms.RadioSelect
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "data-range-date": ""}),
        validators=DATE_BOUNDS,
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "data-range-date": ""}),
        validators=DATE_BOUNDS,
    )
    agent = AgentChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="Everyone",
        widget=OnePassSelect,
    )
    channel = forms.ChoiceField(
        label="Way in", choices=[("", "Every way in"), *Channel.choices], required=False
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        # A link that names no period (or one tampered with) shows the last 7 days: tick that
        # radio, so the form says what the page shows.
        if data is not None and data.get("period") not in dict(PERIODS):
            data = data.copy()
            data["period"] = "7d"
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "range":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                field = "start" if start is None else "end"
                self.add_error(field, forms.ValidationError(self.error_messages["dates"], "dates"))
            elif abs((end - start).days) >= MAX_DAYS:
                error = forms.ValidationError(self.error_messages["too_long"], "too_long")
                self.add_error("start", error)
                # The message says the range's last days are shown: keep its dates (add_error
                # drops the field's), scope_for() cuts them to the last MAX_DAYS.
                data["start"] = start
        return data

    def scope(self, *, today: date, zone: tzinfo) -> Scope:
        """The rows asked for; the last 7 days for the bits of the form not valid."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleans: cleaned_data holds the fields that are valid
            data = self.cleaned_data
        period = data.get("period") or "7d"
        if period == "range" and not (data.get("start") and data.get("end")):
            period = "7d"
        agent = data.get("agent")
        return scope_for(
            period=period,
            today=today,
            zone=zone,
            start=data.get("start"),
            end=data.get("end"),
            user_id=agent.pk if agent is not None else None,
            channel=data.get("channel") or "",
        )
