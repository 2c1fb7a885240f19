"""The token page's form: a name, the scopes the person's role allows, and a lifetime."""

from __future__ import annotations

from typing import Any

from django import forms

from customers.assistant.models import Scope
from customers.assistant.tokens import DAYS_DEFAULT, DAYS_MAX


class TokenCreateForm(forms.Form):
    error_messages = {"no_scope": "Choose at least one thing the assistant may do."}

    name = forms.CharField(
        max_length=100,
        help_text="Which assistant or computer uses it, e.g. “Claude on my laptop”.",
    )
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)
    days = forms.IntegerField(
        label="Works for (days)",
        min_value=1,
        max_value=DAYS_MAX,
        initial=DAYS_DEFAULT,
        help_text=f"1 to {DAYS_MAX} days.",
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(scope, Scope(scope).label) for scope in allowed]
        field.initial = [Scope.READ] if Scope.READ in allowed else []

    def clean_scopes(self) -> list[str]:
        scopes: list[str] = self.cleaned_data["scopes"]
        if not scopes:
            raise forms.ValidationError(self.error_messages["no_scope"], code="no_scope")
        return scopes
