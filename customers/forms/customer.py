"""The small forms of the customer page and the find box (the create form is create.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from customers.existing.callers import CHECKS
from customers.forms.parts import CardGuardForm
from customers.models import CardLink


class CustomerGroupsForm(forms.Form):
    """Pick enabled groups the customer is not in yet; only those IDs are accepted."""

    customer_groups = forms.MultipleChoiceField(
        label="Customer groups",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one group."},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer_groups"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices


class LookupForm(CardGuardForm):
    """One box to find a customer by e-mail, phone, name, internal ID or RevCent ID."""

    error_messages = {
        **CardGuardForm.error_messages,
        "card_number": (
            "This looks like a card number, and customers are never looked up by card. Search "
            "by e-mail, phone, name or ID."
        ),
    }

    # The label says what to type: the heading above the box already says "Find a customer"
    # (the home page's card, the search page), and a placeholder would only repeat it.
    q = forms.CharField(
        label="Email, phone, name, internal ID or RevCent ID",
        max_length=254,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
        error_messages={"required": "Type an e-mail, phone, name or ID to search for."},
    )


class CallerCheckForm(forms.Form):
    """The caller's answer to a question about RevCent's record (ZIP or e-mail)."""

    kind = forms.ChoiceField(choices=list(CHECKS.items()))
    answer = forms.CharField(
        max_length=254, strip=True, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class CardLinkForm(forms.Form):
    channel = forms.ChoiceField(choices=CardLink.Channel.choices)
