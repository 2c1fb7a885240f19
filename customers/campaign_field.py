"""The create form's campaign field: the active campaigns, read once per form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from customers.models import Campaign


class _LoadedCampaigns(forms.models.ModelChoiceIterator):
    """The field's campaigns from its one read, not a fresh query per iteration."""

    def _campaigns(self) -> list[Campaign]:
        return cast("CampaignField", self.field).loaded()

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for campaign in self._campaigns():
            yield self.choice(campaign)

    def __len__(self) -> int:
        return len(self._campaigns()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._campaigns())


class CampaignField(forms.ModelChoiceField):
    """The active campaigns, read once per form: the page lists them, picks the default and
    checks the agent's choice against that one read (it used to be four queries)."""

    iterator = _LoadedCampaigns

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: list[Campaign] | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> CampaignField:
        result = super().__deepcopy__(memo)
        result._loaded = None  # each form reads the campaigns for itself
        return result

    def loaded(self) -> list[Campaign]:
        if self._loaded is None:
            self._loaded = list(self.queryset) if self.queryset is not None else []
        return self._loaded

    def to_python(self, value: Any) -> Campaign | None:
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        wanted = str(value.pk if isinstance(value, Campaign) else value)
        for campaign in self.loaded():
            if str(campaign.pk) == wanted:
                return campaign
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
