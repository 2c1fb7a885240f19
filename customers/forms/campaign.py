"""The create form's campaign field: the active campaigns, read once per form, and from the
shared cache when there is one (they change when an admin edits them, not per request)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from customers.models import Campaign

if TYPE_CHECKING:  # the model choice field and iterator are generic in the stubs only
    _ModelChoiceIterator = forms.models.ModelChoiceIterator[Campaign]
    _ModelChoiceField = forms.ModelChoiceField[Campaign]
else:
    _ModelChoiceIterator = forms.models.ModelChoiceIterator
    _ModelChoiceField = forms.ModelChoiceField

# Dropped whenever a campaign is saved or deleted (below); the timeout only bounds a change
# made around Django (raw SQL), or a read that raced a save.
CACHE_SECONDS = 60
ACTIVE_CAMPAIGNS_KEY = "campaigns:active:v1"


class _LoadedCampaigns(_ModelChoiceIterator):
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


class CampaignField(_ModelChoiceField):
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
            self._loaded = self._read()
        return self._loaded

    def _read(self) -> list[Campaign]:
        if self.queryset is None:
            return []
        # A local-memory cache is one process's own: an edit in another would not reach it.
        if not settings.CACHE_SHARED:
            return list(self.queryset)
        queryset = self.queryset
        found = cache.get_or_set(ACTIVE_CAMPAIGNS_KEY, lambda: list(queryset), CACHE_SECONDS)
        return list(found or [])

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


@receiver(post_save, sender=Campaign, dispatch_uid="campaign_field.saved")
@receiver(post_delete, sender=Campaign, dispatch_uid="campaign_field.deleted")
def campaign_saved(sender: type[Campaign], **kwargs: Any) -> None:
    cache.delete(ACTIVE_CAMPAIGNS_KEY)
