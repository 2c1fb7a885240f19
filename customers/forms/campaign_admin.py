"""The admin's campaign form: a campaign is checked when it is saved, not when an agent first
uses it at Create.

RevCent's CreateCustomer takes a campaign by its ID or by its name
(customers/revcent/contract.py, CAMPAIGN_REFERENCE). RevCent has no operation that lists or
reads campaigns, so what can be checked here is the shape: a RevCent ID (20 letters and
digits), or the campaign's name, which the admin then types the same as Name, saying "this
is its name in RevCent". `abc` under the name "Phone Orders" is neither, and is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError

from customers.models import Campaign
from customers.revcent.contract import CAMPAIGN_ID

if TYPE_CHECKING:  # ModelForm is generic in the stubs only, not at run time
    _CampaignModelForm = forms.ModelForm[Campaign]
else:
    _CampaignModelForm = forms.ModelForm

_HOW = (
    "Copy the ID from the campaign in RevCent, or, to use the campaign's name instead, type "
    "its exact RevCent name both here and as Name."
)
ERROR_MESSAGES = {
    "not_an_id": "“%(value)s” is not a RevCent campaign ID: an ID is exactly 20 letters and "
    "digits, and this is %(length)s characters. " + _HOW,
    "id_characters": "“%(value)s” is not a RevCent campaign ID: an ID is exactly 20 letters "
    "and digits, and this has %(others)s in it. " + _HOW,
    "name_capitals": "“%(value)s” differs from the name “%(name)s” in capitals only: RevCent "
    "matches a campaign's name exactly, so type it the same in both (or use the campaign's "
    "20-character ID).",
}


def campaign_reference_error(reference: str, *, name: str) -> ValidationError | None:
    """Why `reference` cannot be the campaign RevCent is sent, or None if it can: a RevCent
    campaign ID, or exactly the campaign's name."""
    if CAMPAIGN_ID.match(reference) or reference == name:
        return None
    params: dict[str, str | int]
    if name and reference.casefold() == name.casefold():
        code, params = "name_capitals", {"value": reference, "name": name}
    elif len(reference) == 20:
        others = "".join(dict.fromkeys(c for c in reference if not c.isascii() or not c.isalnum()))
        code, params = "id_characters", {"value": reference, "others": f"“{others}”"}
    else:
        code, params = "not_an_id", {"value": reference, "length": len(reference)}
    return ValidationError(ERROR_MESSAGES[code], code=code, params=params)


class CampaignAdminForm(_CampaignModelForm):
    error_messages = ERROR_MESSAGES

    class Meta:
        model = Campaign
        fields = ["name", "revcent_id", "active", "is_default"]
        help_texts = {
            "revcent_id": "The campaign's ID in RevCent: 20 letters and digits. Its exact name "
            "in RevCent works too, typed the same here and as Name.",
        }

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        reference = cleaned.get("revcent_id")
        if isinstance(reference, str):
            name = cleaned.get("name")
            error = campaign_reference_error(reference, name=name if isinstance(name, str) else "")
            if error is not None:
                self.add_error("revcent_id", error)
        return cleaned
