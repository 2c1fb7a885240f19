"""Proposals: a customer the assistant asked to create, checked but not yet sent to RevCent.

propose_customer runs exactly what the web's New customer form runs (the form's own
validation, the card guard, the secret-name rule, the duplicate check) on arguments shaped
like RevCent's CreateCustomer input, and keeps the result for 15 minutes, bound to the token
that asked. create_customer then needs a person's confirmation and goes through the web's
create path under the proposal's own submission key: however often it is confirmed, from the
assistant or from the pre-filled web form, it creates at most one customer.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from customers.actions import duplicates_find
from customers.assistant.models import AssistantToken, Proposal
from customers.audit import Actor
from customers.contact import CONTACT_FIELDS, Contact
from customers.creating.duplicates import DuplicateReport, identifiers_from_payload
from customers.existing.masking import report_as_shown
from customers.forms.create import CustomerCreateForm
from customers.models import Campaign
from customers.revcent.contract import ContactBody, CreateCustomerBody, MetadataPair

LIFETIME = timedelta(minutes=15)
# Keep proposals a day after they end (an auditor may follow an attempt back to one), no more.
KEEP_FOR = timedelta(days=1)


def form_data_for(
    *,
    campaign_pk: int | None,
    customer: ContactBody,
    bill_to: ContactBody | None,
    internal_customer_id: str,
    metadata: list[MetadataPair],
    key: uuid.UUID,
) -> QueryDict:
    """RevCent-shaped arguments as the New customer form's POST data."""
    data = QueryDict(mutable=True)
    data["options-campaign"] = "" if campaign_pk is None else str(campaign_pk)
    data["options-submission_key"] = str(key)
    data["options-internal_customer_id"] = internal_customer_id
    for prefix, contact in (("customer", customer), ("bill_to", bill_to or {})):
        for name in CONTACT_FIELDS:
            data[f"{prefix}-{name}"] = str(contact.get(name) or "")
    if bill_to:
        data["options-billing_differs"] = "on"
    data["metadata-TOTAL_FORMS"] = str(len(metadata))
    data["metadata-INITIAL_FORMS"] = "0"
    for index, row in enumerate(metadata):
        data[f"metadata-{index}-name"] = str(row.get("name") or "")
        data[f"metadata-{index}-value"] = str(row.get("value") or "")
    return data


def question_for(payload: CreateCustomerBody, campaign_name: str, report: DuplicateReport) -> str:
    """The confirmation a person reads: who, exactly as it will be sent (the agent proposed
    these details through their assistant, and must be able to spot a typo in them); which
    campaign; the strong matches, masked as the panel shows them."""
    who = Contact.parse(payload.get("customer"))
    details = ", ".join(part for part in (who.email, who.phone_formatted, who.address) if part)
    text = f"Create {who.name} ({details}) in campaign {campaign_name}?"
    strong = report.strong
    if strong:
        names = "; ".join(f"{m.candidate.label}: {', '.join(m.reasons)}" for m in strong[:3])
        text += (
            f" {len(strong)} strong match{'es' if len(strong) != 1 else ''} already in RevCent "
            f"({names}). Type why this is a different customer to create it anyway."
        )
    elif not report.complete:
        text += " RevCent could not be searched for duplicates: type why to create anyway."
    return text[:1000]


def proposal_save(
    *,
    token: AssistantToken,
    data: QueryDict,
    payload: CreateCustomerBody,
    campaign_name: str,
    report: DuplicateReport,
    now: datetime | None = None,
) -> Proposal:
    now = now or timezone.now()
    Proposal.objects.filter(expires_at__lt=now - KEEP_FOR).delete()
    shown = report_as_shown(report, identifiers_from_payload(payload))
    return Proposal.objects.create(
        id="prop_" + secrets.token_hex(8),
        token=token,
        user=token.user,
        form_data={key: data.getlist(key) for key in data},
        payload=payload,
        strong=bool(report.strong) or not report.complete,
        question=question_for(payload, campaign_name, shown),
        submission_key=uuid.UUID(str(data.get("options-submission_key"))),
        created_at=now,
        expires_at=now + LIFETIME,
    )


@dataclass(frozen=True)
class ProposalLookup:
    proposal: Proposal | None
    problem: str = ""


def proposal_read(
    proposal_id: str,
    *,
    user_id: int,
    token: AssistantToken | None = None,
    now: datetime | None = None,
) -> ProposalLookup:
    """The person's own live proposal (made with `token`, when one is given)."""
    proposal = Proposal.objects.filter(pk=proposal_id[:24], user_id=user_id).first()
    if proposal is None or (token is not None and proposal.token_id != token.pk):
        return ProposalLookup(None, "No such proposal for this token. Call propose_customer.")
    if proposal.expires_at <= (now or timezone.now()):
        return ProposalLookup(None, "This proposal has expired (15 minutes). Propose again.")
    return ProposalLookup(proposal)


def proposal_prefill(proposal_id: str, *, user_id: int) -> QueryDict | None:
    """The New customer form's data from the person's own live proposal, else None. Its
    submission key is the proposal's: created here or by the assistant, it is one customer."""
    found = proposal_read(proposal_id, user_id=user_id)
    if found.proposal is None:
        return None
    data = QueryDict(mutable=True)
    for key, values in found.proposal.form_data.items():
        data.setlist(key, values)
    return data


class ProposalInvalid(Exception):
    """What the New customer form would have said, by argument path ("customer.email")."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {' '.join(says)}" for path, says in problems.items()))
        self.problems = problems


def campaign_named(value: str) -> Campaign | None:
    """An active campaign by its RevCent ID or its exact name (any capitals)."""
    active = Campaign.objects.filter(active=True)
    return active.filter(revcent_id=value).first() or active.filter(name__iexact=value).first()


def _form_problems(form: CustomerCreateForm) -> dict[str, list[str]]:
    parts: list[tuple[str, Any]] = [("", form.options), ("customer.", form.customer)]
    if form.billing_differs:
        parts.append(("bill_to.", form.bill_to))
    parts += [(f"metadata[{index}].", row) for index, row in enumerate(form.metadata.forms)]
    problems = {
        f"{prefix}{name}": [str(message) for message in messages]
        for prefix, part in parts
        for name, messages in part.errors.items()
        if name != "__all__"
    }
    if form.metadata.non_form_errors():
        problems["metadata"] = [str(m) for m in form.metadata.non_form_errors()]
    return problems


@dataclass(frozen=True)
class ProposalMade:
    proposal: Proposal
    report: DuplicateReport  # as shown: masked but for what the assistant typed


def proposal_make(
    *,
    actor: Actor,
    token: AssistantToken,
    campaign: str,
    customer: ContactBody,
    bill_to: ContactBody | None = None,
    internal_customer_id: str = "",
    metadata: list[MetadataPair] | None = None,
) -> ProposalMade:
    """Check a customer as the New customer form and its duplicate check would, and keep it.
    Raises ProposalInvalid, or an ActionRefused from the duplicate check (role, limit)."""
    found = campaign_named(campaign)
    data = form_data_for(
        campaign_pk=found.pk if found else None,
        customer=customer,
        bill_to=bill_to,
        internal_customer_id=internal_customer_id,
        metadata=metadata or [],
        key=uuid.uuid4(),
    )
    form = CustomerCreateForm(data)
    valid = form.is_valid()
    problems = _form_problems(form)
    if found is None:
        names = ", ".join(c.name for c in Campaign.objects.filter(active=True)[:10])
        active = f"Active: {names}." if names else "There is none: ask an admin."
        problems["campaign"] = [f"No active campaign has that ID or name. {active}"]
    if not valid or problems:
        raise ProposalInvalid(problems)
    assert found is not None
    payload = form.payload()
    ids = identifiers_from_payload(payload)
    report = duplicates_find(actor=actor, ids=ids)
    proposal = proposal_save(
        token=token, data=data, payload=payload, campaign_name=found.name, report=report
    )
    return ProposalMade(proposal=proposal, report=report_as_shown(report, ids))
