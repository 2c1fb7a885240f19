"""The create page's metadata rows: one name/value pair each, at most METADATA_ROWS_MAX,
names unique, never a secret's name (nor "source", which Support Desk sets itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.core.exceptions import ValidationError

from customers.contact import (
    looks_secret,
)
from customers.forms.parts import RESERVED_METADATA, CardGuardForm, text_field


class MetadataForm(CardGuardForm):
    error_messages = {
        **CardGuardForm.error_messages,
        "reserved": "“source” is set by Support Desk itself; choose another name.",
        "secret": "Metadata must not hold passwords, card data, tokens or other secrets.",
        "duplicate": "Each name may be used once.",  # among the rows: the formset checks
    }

    name = text_field("Name", 100, required=True)
    value = text_field("Value", 255, required=True)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name.lower() == RESERVED_METADATA:
            raise ValidationError(self.error_messages["reserved"], code="reserved")
        if looks_secret(name):
            raise ValidationError(self.error_messages["secret"], code="secret")
        return name

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self.has_error("name", "secret"):
            # The value under a secret's name is the secret (a CVV, a password): refused,
            # it is not shown back either.
            self._show_again({self.add_prefix("value"): ""})


if TYPE_CHECKING:  # BaseFormSet is generic in the stubs only, not at run time
    _FormSetOfMetadata = forms.BaseFormSet[MetadataForm]
else:
    _FormSetOfMetadata = forms.BaseFormSet


METADATA_ROWS_MAX = 20


class BaseMetadataFormSet(_FormSetOfMetadata):
    default_error_messages = {
        "too_many_forms": (
            f"A customer can have at most {METADATA_ROWS_MAX} metadata rows. Only the first "
            f"{METADATA_ROWS_MAX} are shown: check them and submit again."
        ),
    }

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name", "")
            if not name:
                continue
            if name.lower() in seen:
                error = ValidationError(form.error_messages["duplicate"], code="duplicate")
                form.add_error("name", error)
            seen.add(name.lower())

    def pairs(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["name"], form.cleaned_data["value"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


# formset_factory's stub returns the plain BaseFormSet type; ours has pairs().
MetadataFormSet = cast(
    type[BaseMetadataFormSet],
    forms.formset_factory(
        MetadataForm,
        formset=BaseMetadataFormSet,
        extra=0,
        max_num=METADATA_ROWS_MAX,
        validate_max=True,
        # However many rows a request claims (TOTAL_FORMS=1000), no more are even built.
        absolute_max=METADATA_ROWS_MAX,
    ),
)
