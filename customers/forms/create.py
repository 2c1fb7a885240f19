"""The create-customer page's form: the parts in parts.py put together as RevCent's
CreateCustomer body, and what the half-typed form says for the live duplicate panel."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from customers.cardguard.guard import card_number_fields
from customers.contact import CONTACT_FIELDS, Contact
from customers.forms.campaign import CampaignField
from customers.forms.metadata import MetadataFormSet
from customers.forms.parts import (
    SOURCE_METADATA,
    CardGuardForm,
    ContactForm,
    CreateOptionsForm,
)
from customers.matching import MATCH_FIELDS, Identifiers
from customers.models import Campaign
from customers.revcent.advice import CAMPAIGN_NAMED
from customers.revcent.contract import CreateCustomerBody

_FIELD_IN_MESSAGE = re.compile(r"\b(customer|bill_to)\.(\w+)")


@dataclass(frozen=True)
class FieldError:
    """One line of the error summary: what is wrong, and the id of the field to go to."""

    field_id: str
    label: str
    message: str


def _quiet(form: CardGuardForm) -> None:
    """Clean a bound form but keep only its card-number errors: a refused card number must
    still be blanked and explained, but a field nobody was asked to fill says nothing."""
    form.full_clean()
    for name in list(form.errors):
        if name not in form.refused_card_fields:
            del form.errors[name]


class CustomerCreateForm:
    """The create-customer page's form: options, customer, bill-to and metadata rows, which
    together make RevCent's CreateCustomer body. Bill-to counts only when switched on."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        refused_card_fields: list[str] | tuple[str, ...] = (),
    ) -> None:
        initial: dict[str, Any] = {"submission_key": uuid.uuid4()}
        if data is not None:
            # Pairs that span two of the parts (bill-to beside the customer, one metadata
            # row's value beside the next): each part alone sees only its half.
            refused_card_fields = sorted(
                {*refused_card_fields, *card_number_fields(dict(data.lists()))}
            )
        guard = {"refused_card_fields": refused_card_fields}
        self.data = data
        self.options = CreateOptionsForm(data, prefix="options", initial=initial, **guard)
        default = next((c for c in self.campaigns if c.is_default), None)
        if default:
            initial["campaign"] = default.pk
        self.customer = ContactForm(data, prefix="customer", **guard)
        self.bill_to = ContactForm(data, prefix="bill_to", **guard)
        self.metadata = MetadataFormSet(data, prefix="metadata", form_kwargs=guard)
        self._refused_by_request = tuple(refused_card_fields)
        if data is None:
            # A new form: the agent starts at First name. (A bound one shows the error
            # summary or the duplicate gate, which take the focus instead.)
            self.customer.fields["first_name"].widget.attrs["autofocus"] = True
        if data is not None and not self.billing_differs:
            # Hidden and not sent: its errors would greet the agent who turns the switch on.
            _quiet(self.bill_to)

    @property
    def campaigns(self) -> list[Campaign]:
        """The active campaigns, as the campaign field read them (one query per form)."""
        field = self.options.fields["campaign"]
        assert isinstance(field, CampaignField)
        return field.loaded()

    @property
    def duplicate_panel_trigger(self) -> str:
        """The duplicate panel's hx-trigger: on load, and when a field it searches on changes
        (a text field 400 ms after typing stops, a select when another option is picked)."""
        fields = [self.customer[name] for name in MATCH_FIELDS]
        fields.append(self.options["internal_customer_id"])
        events = ["load"]
        for field in fields:
            event = (
                "change"
                if isinstance(field.field.widget, forms.Select)
                else ("input changed delay:400ms")
            )
            events.append(f"{event} from:#{field.auto_id}")
        return ", ".join(events)

    @property
    def is_bound(self) -> bool:
        return self.data is not None

    @property
    def billing_differs(self) -> bool:
        raw = self.data.get("options-billing_differs") if self.data is not None else ""
        return raw in ("on", "true", "1")

    def is_valid(self) -> bool:
        parts: list[Any] = [self.options, self.customer, self.metadata]
        if self.billing_differs:
            parts.append(self.bill_to)
        # Validate every part (no short-circuit), so each shows its own errors at once.
        results = [part.is_valid() for part in parts]
        return all(results)

    def quiet(self) -> None:
        """Show what was typed without errors (a card number's excepted), for a page
        re-rendered by something other than Create, such as adding a metadata row."""
        for form in (self.options, self.customer, self.bill_to):
            _quiet(form)

    def error_summary(self) -> list[FieldError]:
        """Every field's errors, in the page's order, for the summary above the form."""
        if self.data is None:
            return []
        where: list[tuple[CardGuardForm, tuple[str, ...], str]] = [
            (self.options, ("create_anyway", "override_reason", "campaign"), ""),
            (self.customer, CONTACT_FIELDS, ""),
        ]
        if self.billing_differs:
            where.append((self.bill_to, CONTACT_FIELDS, " (bill-to)"))
        where.append((self.options, ("internal_customer_id",), ""))
        for number, row in enumerate(self.metadata.forms, start=1):
            where.append((row, ("name", "value"), f" (metadata row {number})"))
        summary = [
            FieldError(form[name].auto_id, f"{form[name].label}{suffix}", str(message))
            for form, names, suffix in where
            for name in names
            for message in form[name].errors
        ]
        summary += [
            FieldError("metadata-rows", "Metadata", str(message))
            for message in self.metadata.non_form_errors()
        ]
        return summary

    @property
    def refused_card_fields(self) -> list[str]:
        """Every field, by its full name, whose card number was refused."""
        refused = list(self._refused_by_request)
        for form in (self.options, self.customer, self.bill_to, *self.metadata.forms):
            refused += [form.add_prefix(name) for name in form.refused_card_fields]
        return sorted(set(refused))

    @property
    def submission_key(self) -> uuid.UUID:
        key: uuid.UUID = self.options.cleaned_data["submission_key"]
        return key

    @property
    def campaign(self) -> Campaign:
        campaign: Campaign = self.options.cleaned_data["campaign"]
        return campaign

    def override_reason(self) -> str:
        """The agent's reason for "Create anyway", if they ticked it and gave one."""
        return self.options.override_reason_given()

    def payload(self) -> CreateCustomerBody:
        """The CreateCustomer body (customers/revcent/contract.py): only filled fields, never
        `payment`, and our own `source` metadata first."""
        body: CreateCustomerBody = {
            "campaign": self.campaign.revcent_id,
            "customer": self.customer.payload(),
        }
        if self.billing_differs:
            body["bill_to"] = self.bill_to.payload()
        internal_id: str = self.options.cleaned_data["internal_customer_id"]
        if internal_id:
            body["internal_customer_id"] = internal_id
        body["metadata"] = [
            {"name": name, "value": value}
            for name, value in [SOURCE_METADATA, *self.metadata.pairs()]
        ]
        return body

    def retry(self) -> CustomerCreateForm:
        """The same input under a fresh submission key, for another try after a failure.

        "Create anyway" and its reason are kept: the agent decided that already, and the
        next submit runs the duplicate check again anyway."""
        assert self.data is not None
        data = self.data.copy()
        data["options-submission_key"] = str(uuid.uuid4())
        again = CustomerCreateForm(data, refused_card_fields=self._refused_by_request)
        again.is_valid()
        return again

    def place_revcent_error(self, message: str) -> bool:
        """Put RevCent's message next to the field it names ("customer.zip is ..."); False
        if it names none of this form's fields."""
        found = _FIELD_IN_MESSAGE.search(message)
        if found:
            form = self.customer if found.group(1) == "customer" else self.bill_to
            if found.group(2) in form.fields:
                form.add_error(found.group(2), ValidationError(message, code="revcent"))
                return True
        # "Campaign 'x' does not exist.": RevCent's words, capitals and all.
        named = CAMPAIGN_NAMED.search(message) or re.search(r"\binternal_customer_id\b", message)
        if named:
            name = "campaign" if named.group(0).casefold() == "campaign" else "internal_customer_id"
            self.options.add_error(name, ValidationError(message, code="revcent"))
            return True
        return False


def identifiers_from_form_data(
    data: QueryDict, *, refused_card_fields: list[str] | tuple[str, ...] = ()
) -> tuple[Identifiers, list[str]]:
    """What the half-filled create form says so far, for the live duplicate panel.

    Only values that are valid on their own are used (a half-typed e-mail is not searched),
    and never a field the card-number guard refused: those are returned by full name.
    """
    contact = ContactForm(data, prefix="customer", refused_card_fields=refused_card_fields)
    contact.is_valid()
    found = Contact(**{k: v for k, v in contact.cleaned_data.items() if k in CONTACT_FIELDS})
    # Only the internal ID is needed from the options; their form would load campaigns.
    internal_key = "options-internal_customer_id"
    internal_id = "" if internal_key in refused_card_fields else data.get(internal_key, "")
    if "\x00" in internal_id:  # not searchable, and PostgreSQL cannot store it (audit, cache)
        internal_id = ""
    named = len(found.first_name) >= 2 and len(found.last_name) >= 2
    ids = Identifiers(
        **{
            **asdict(found),
            "first_name": found.first_name if named else "",
            "last_name": found.last_name if named else "",
        },
        internal_id=internal_id.strip()[:255],
    )
    return ids, [contact.add_prefix(name) for name in contact.refused_card_fields]
