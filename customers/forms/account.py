"""A person's own settings: their time zone."""

from __future__ import annotations

from typing import Any

from django import forms

from customers.team.timezones import zone_names


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every time the app shows you is in this zone, and the team overview's "
        "days are cut in it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name.replace("_", " ")) for name in zone_names()]
