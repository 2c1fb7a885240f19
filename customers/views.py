from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from customers import attempts, audit, callers, cardlinks, ratelimit, services
from customers.audit import Actor
from customers.forms import (
    SOURCE_METADATA,
    ContactForm,
    CreateOptionsForm,
    CustomerGroupsForm,
    MetadataFormSet,
)
from customers.models import Campaign, CardLink, CreateAttempt
from customers.revcent import REVCENT_ID, RevCentApiError, RevCentError, get_client

logger = logging.getLogger(__name__)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/home.html")


# --- New customer ---------------------------------------------------------------------------
@dataclass
class CreateForms:
    """The create-customer page's forms: options, customer, bill-to and metadata rows."""

    options: CreateOptionsForm
    customer: ContactForm
    bill_to: ContactForm
    metadata: Any  # MetadataFormSet

    refused: tuple[str, ...] = ()

    @classmethod
    def build(cls, data=None, *, refused: list[str] | tuple[str, ...] = ()) -> CreateForms:
        """The forms, bound to data if given; `refused` names the fields whose card number
        the request guard removed."""
        initial_key = {"submission_key": attempts.new_submission_key()}
        default = Campaign.objects.filter(active=True, is_default=True).first()
        if default:
            initial_key["campaign"] = default.pk
        return cls(
            options=CreateOptionsForm(data, prefix="options", initial=initial_key, refused=refused),
            customer=ContactForm(data, prefix="customer", refused=refused),
            bill_to=ContactForm(data, prefix="bill_to", refused=refused),
            metadata=MetadataFormSet(data, prefix="metadata", form_kwargs={"refused": refused}),
            refused=tuple(refused),
        )

    @property
    def billing_differs(self) -> bool:
        raw = self.options.data.get("options-billing_differs") if self.options.is_bound else ""
        return raw in ("on", "true", "1")

    def is_valid(self) -> bool:
        parts = [self.options, self.customer, self.metadata]
        if self.billing_differs:
            parts.append(self.bill_to)
        # Validate every part (no short-circuit), so each shows its own errors at once.
        results = [part.is_valid() for part in parts]
        return all(results)

    def refused_card_fields(self) -> list[str]:
        refused = list(self.refused)
        for form in (self.options, self.customer, self.bill_to, *self.metadata.forms):
            refused += [form.add_prefix(name) for name in getattr(form, "card_number_fields", [])]
        return sorted(set(refused))

    def payload(self) -> dict[str, Any]:
        return services.customer_payload(
            campaign=self.options.cleaned_data["campaign"],
            customer=self.customer.payload(),
            bill_to=self.bill_to.payload() if self.billing_differs else None,
            internal_customer_id=self.options.cleaned_data["internal_customer_id"],
            metadata=self.metadata.pairs(),
        )

    def with_new_key(self, data) -> CreateForms:
        """The same input under a fresh submission key, for another try after a failure."""
        data = data.copy()
        data["options-submission_key"] = str(attempts.new_submission_key())
        data.pop("options-create_anyway", None)
        forms = CreateForms.build(data, refused=self.refused)
        forms.is_valid()
        return forms


def _render_create(
    request: HttpRequest,
    forms: CreateForms,
    *,
    report: services.DuplicateReport | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "forms": forms,
        "report": report,
        "error": error,
        "source_metadata": SOURCE_METADATA,
        "has_campaigns": Campaign.objects.filter(active=True).exists(),
    }
    return render(request, "customers/customer_create.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("customers.create_customer", raise_exception=True)
def customer_create(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_create(request, CreateForms.build())
    action = request.POST.get("_action", "create")
    if action.startswith(("add_metadata", "remove_metadata")):
        return _metadata_rows(request, action)

    forms = CreateForms.build(request.POST, refused=request.refused_card_fields)
    actor = Actor.from_request(request)
    if not forms.is_valid():
        return _render_create(request, forms)

    key = forms.options.cleaned_data["submission_key"]
    existing = attempts.attempt_for_key(key)
    if existing is not None:
        return _attempt_outcome(request, existing, forms)

    payload = forms.payload()
    client = get_client()
    report = services.duplicate_check(
        services.identifiers_from_payload(payload), client=client, actor=actor, exclude_key=key
    )
    override_reason = ""
    if report.strong or not report.complete:
        if not forms.options.override_confirmed():
            # A parallel submission of this very form may have created the customer while
            # we searched; then that is the answer, not a duplicate warning about itself.
            existing = attempts.attempt_for_key(key)
            if existing is not None:
                return _attempt_outcome(request, existing, forms)
            return _render_create(request, forms, report=report)
        override_reason = forms.options.cleaned_data["override_reason"]
        services.duplicate_override_record(
            actor=actor, reason=override_reason, matches=report.strong
        )

    attempt, owned = attempts.attempt_claim(
        key=key,
        user=request.user,
        campaign=forms.options.cleaned_data["campaign"],
        payload=payload,
        override_reason=override_reason,
    )
    if owned:
        attempt = services.customer_create(attempt=attempt, client=client, actor=actor)
    return _attempt_outcome(request, attempt, forms)


def _attempt_outcome(
    request: HttpRequest, attempt: CreateAttempt, forms: CreateForms
) -> HttpResponse:
    """Where a submission ends up, whichever request made the create."""
    if attempt.user_id != request.user.pk:
        raise PermissionDenied("This form belongs to another agent's session.")
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    if attempt.state == CreateAttempt.State.FAILED:
        retry = forms.with_new_key(request.POST)
        where = services.revcent_error_field(attempt.message)
        target = {
            "customer": retry.customer,
            "bill_to": retry.bill_to,
            "options": retry.options,
        }.get(where[0] if where else "")
        if target is not None and where[1] in target.fields:
            target.add_error(where[1], attempt.message)
            return _render_create(request, retry, error="RevCent did not accept the customer.")
        return _render_create(request, retry, error=attempt.message)
    return redirect("attempt-detail", key=attempt.submission_key)


def _metadata_rows(request: HtmxHttpRequest, action: str) -> HttpResponse:
    """Add or remove a metadata row, keeping what was typed (card numbers excepted)."""
    refused = request.refused_card_fields
    bound = MetadataFormSet(request.POST, prefix="metadata", form_kwargs={"refused": refused})
    rows = []
    removed_card = any(name.startswith("metadata-") for name in refused)
    for index, form in enumerate(bound.forms):
        if action == f"remove_metadata:{index}":
            continue
        form.full_clean()  # runs the card guard, which blanks a card number
        removed_card |= bool(form.card_number_fields)
        rows.append(
            {
                "name": form.data.get(form.add_prefix("name"), ""),
                "value": form.data.get(form.add_prefix("value"), ""),
            }
        )
    if action == "add_metadata":
        rows.append({})
    metadata = MetadataFormSet(prefix="metadata", initial=rows)
    context = {
        "metadata": metadata,
        "removed_card": removed_card,
        "source_metadata": SOURCE_METADATA,
    }
    if request.htmx:
        return render(request, "customers/customer_create.html#metadata-rows", context)
    forms = CreateForms.build(request.POST, refused=refused)
    forms.metadata = metadata
    return _render_create(request, forms)


# --- The live duplicate panel ------------------------------------------------------------------
@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def customer_duplicates(request: HtmxHttpRequest) -> HttpResponse:
    """The panel beside the create form, refreshed by htmx as the agent types.

    POST, so what the agent typed never appears in a URL or an access log.
    """
    template = "customers/customer_create.html#duplicate-results"
    ids, refused = services.identifiers_from_form_data(
        request.POST, refused=request.refused_card_fields
    )
    context: dict[str, Any] = {"refused": refused or request.refused_card_fields}
    if not ids.search_terms():
        return render(request, template, context)
    if ratelimit.rate_limit_hit(request.user.pk):
        context["rate_limited"] = True
        return render(request, template, context)
    report = services.duplicate_check(
        ids, client=get_client(), actor=Actor.from_request(request), use_cache=True
    )
    labels = _term_labels(ids)
    context.update(
        report=report,
        searched=[labels[term] for term in report.searched],
        capped=[labels[term] for term in report.capped],
        failed=[labels[term] for term in report.failed],
    )
    return render(request, template, context)


def _term_labels(ids) -> dict[str, str]:
    labels = {
        ids.email: "email",
        ids.phone: "phone",
        ids.internal_id: "internal ID",
    }
    if ids.first_name:
        labels[f"{ids.first_name} {ids.last_name}"] = "name"
    return {term: label for term, label in labels.items() if term}


# --- An attempt whose outcome is not a customer page (yet) ---------------------------------------
def _own_attempt(request: HttpRequest, key: uuid.UUID) -> CreateAttempt:
    attempt = get_object_or_404(CreateAttempt, submission_key=key)
    if attempt.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No such attempt.")
    return attempt


@require_GET
@permission_required("customers.create_customer", raise_exception=True)
def attempt_detail(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, key)
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    return render(request, "customers/attempt_detail.html", {"attempt": attempt})


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_reconcile(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, key)
    attempt = services.attempt_reconcile(
        attempt=attempt, client=get_client(), actor=Actor.from_request(request)
    )
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    return redirect("attempt-detail", key=attempt.submission_key)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_note(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """Add the RevCent note that a create could not add at the time (never a second one)."""
    attempt = _own_attempt(request, key)
    try:
        attempt = services.attempt_note_retry(
            attempt=attempt, client=get_client(), actor=Actor.from_request(request)
        )
    except RevCentError as exc:
        messages.error(request, f"Could not check the customer's notes: {exc.message}")
    if attempt.note_id:
        messages.success(request, "The RevCent note is there.")
    else:
        messages.error(request, "The RevCent note is still missing; try again in a moment.")
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    return redirect("attempt-detail", key=attempt.submission_key)


# --- Customer page ------------------------------------------------------------------------------
def _can_view_customers(user) -> bool:
    return user.has_perm("customers.create_customer") or user.has_perm("customers.view_audit_trail")


def _checked_customer_id(request: HttpRequest, customer_id: str) -> str:
    if not _can_view_customers(request.user):
        raise PermissionDenied
    if not REVCENT_ID.match(customer_id):
        raise Http404("Not a RevCent customer ID.")
    return customer_id


def _card_form_template(request: HttpRequest) -> str:
    """SECURE_CARD_FORM_URL, or in sandbox mode the sandbox's own hosted form."""
    if settings.SECURE_CARD_FORM_URL:
        return settings.SECURE_CARD_FORM_URL
    if settings.REVCENT_SANDBOX:
        path = reverse("sandbox-card-form", args=["TOKEN"]).replace("TOKEN", "{token}")
        return request.build_absolute_uri(path).replace("%7Btoken%7D", "{token}")
    return ""


def _verified_callers(request: HttpRequest) -> dict:
    return request.session.get("verified_callers", {})


@require_GET
def customer_detail(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    attempt = CreateAttempt.objects.filter(customer_id=customer_id).order_by("-created_at").first()
    context: dict[str, Any] = {"customer_id": customer_id, "attempt": attempt}
    try:
        detail = get_client().get_customer(customer_id, actor=Actor.from_request(request))
    except RevCentApiError as exc:
        if exc.http_status == 404:
            context["error"] = "RevCent has no customer with this ID."
            return render(request, "customers/customer_detail.html", context, status=404)
        context["error"] = exc.message
        return render(request, "customers/customer_detail.html", context, status=502)
    except RevCentError as exc:
        context["error"] = exc.message
        return render(request, "customers/customer_detail.html", context, status=503)
    if attempt is not None:
        attempt = services.attempt_verify(attempt=attempt, detail=detail)
        attempt = services.attempt_note_found(attempt=attempt, detail=detail)
        context["comparison"] = services.customer_compare(attempt, detail)
        context["note_text"] = services.note_text(attempt)
    template = _card_form_template(request)
    links = list(CardLink.objects.filter(customer_id=customer_id).select_related("created_by"))
    context.update(
        customer=detail,
        attempt=attempt,
        can_act=request.user.has_perm("customers.create_customer"),
        caller_check_needed=callers.caller_check_needed(customer_id=customer_id, user=request.user),
        caller_verified=callers.caller_verified(_verified_callers(request), customer_id),
        caller_checks=callers.CHECKS,
        card_form_configured=bool(template),
        card_links=[
            (
                link,
                cardlinks.card_link_url(link, template=template, email=detail.contact.email)
                if link.active and template
                else "",
            )
            for link in links
        ],
        masked_email=cardlinks.mask_email(detail.contact.email),
        timeline=audit.customer_timeline(customer_id),
    )
    return render(request, "customers/customer_detail.html", context)


def _require_caller_check(request: HttpRequest, customer_id: str) -> bool:
    """True if this action must wait for the caller to be verified."""
    return callers.caller_check_needed(
        customer_id=customer_id, user=request.user
    ) and not callers.caller_verified(_verified_callers(request), customer_id)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def caller_verify(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    kind = request.POST.get("kind", "")
    answer = request.POST.get("answer", "").strip()
    actor = Actor.from_request(request)
    if kind not in callers.CHECKS or not answer:
        messages.error(request, "Choose what the caller said and type their answer.")
        return redirect("customer-detail", customer_id=customer_id)
    try:
        detail = get_client().get_customer(customer_id, actor=actor)
    except RevCentError as exc:
        messages.error(request, f"Could not check the caller: {exc.message}")
        return redirect("customer-detail", customer_id=customer_id)
    label = callers.CHECKS[kind]
    if callers.caller_answer_matches(detail=detail, kind=kind, answer=answer):
        store = _verified_callers(request)
        store[customer_id] = time.time()
        request.session["verified_callers"] = store
        audit.agent_action(
            action="CallerVerified", actor=actor, customer_id=customer_id, message=f"By {label}."
        )
        messages.success(request, f"Caller verified by {label.lower()}.")
    else:
        # The value itself is never recorded: it is the caller's answer to a security question.
        audit.agent_action(
            action="CallerVerificationFailed",
            actor=actor,
            customer_id=customer_id,
            message=f"By {label}: did not match.",
        )
        messages.error(
            request,
            f"That {label.lower()} does not match RevCent's record. Do not act for this caller.",
        )
    return redirect("customer-detail", customer_id=customer_id)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def card_link_create(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    if _require_caller_check(request, customer_id):
        messages.error(request, "Verify the caller before sending a card link.")
        return redirect("customer-detail", customer_id=customer_id)
    template = _card_form_template(request)
    if not template:
        messages.error(request, "No secure card form is configured. Ask an admin.")
        return redirect("customer-detail", customer_id=customer_id)
    channel = request.POST.get("channel")
    if channel not in CardLink.Channel.values:
        messages.error(request, "Choose how to send the link.")
        return redirect("customer-detail", customer_id=customer_id)
    actor = Actor.from_request(request)
    try:
        # The e-mail address comes from RevCent's record, never from what an agent types.
        detail = get_client().get_customer(customer_id, actor=actor)
    except RevCentError as exc:
        messages.error(request, f"No link was made: {exc.message}")
        return redirect("customer-detail", customer_id=customer_id)
    link = cardlinks.card_link_create(
        customer_id=customer_id, user=request.user, channel=channel, actor=actor
    )
    if channel == CardLink.Channel.EMAIL:
        url = cardlinks.card_link_url(link, template=template, email=detail.contact.email)
        try:
            cardlinks.card_link_send(
                link=link, url=url, email=detail.contact.email, customer_name=detail.contact.name
            )
        except Exception:  # SMTP down: say so, and expire the unsent link
            logger.exception("Card link e-mail failed for %s", customer_id)
            cardlinks.card_link_expire(link=link, user=request.user, actor=actor)
            messages.error(request, "The e-mail could not be sent; the link was withdrawn.")
            return redirect("customer-detail", customer_id=customer_id)
        messages.success(
            request, f"Card link e-mailed to {cardlinks.mask_email(detail.contact.email)}."
        )
    else:
        messages.success(request, "Card link created: copy it below and give it to the customer.")
    return redirect("customer-detail", customer_id=customer_id)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def card_link_expire(request: HttpRequest, customer_id: str, link_id: uuid.UUID) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    link = get_object_or_404(CardLink, pk=link_id, customer_id=customer_id)
    cardlinks.card_link_expire(link=link, user=request.user, actor=Actor.from_request(request))
    messages.success(request, "The card link no longer works.")
    return redirect("customer-detail", customer_id=customer_id)


# --- Customer groups ----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@permission_required("customers.create_customer", raise_exception=True)
def customer_groups(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Choose groups → confirm → AddCustomerToGroup → GetCustomer. Nothing without the confirm."""
    customer_id = _checked_customer_id(request, customer_id)
    if _require_caller_check(request, customer_id):
        messages.error(request, "Verify the caller before changing their groups.")
        return redirect("customer-detail", customer_id=customer_id)
    client = get_client()
    actor = Actor.from_request(request)
    try:
        detail = client.get_customer(customer_id, actor=actor)
        enabled = services.customer_groups_enabled(client=client, actor=actor)
    except RevCentError as exc:
        messages.error(request, f"Could not load the customer groups: {exc.message}")
        return redirect("customer-detail", customer_id=customer_id)
    member_of = {group.id for group in detail.groups}
    choices = [(group.id, group.name) for group in enabled if group.id not in member_of]
    form = CustomerGroupsForm(request.POST or None, choices=choices)
    context = {"customer": detail, "form": form, "choices": choices}
    if request.method == "GET" or not form.is_valid():
        return render(request, "customers/customer_groups.html", context)

    chosen = form.cleaned_data["groups"]
    names = [name for group_id, name in choices if group_id in chosen]
    if request.POST.get("step") != "add":
        # The confirmation: the customer and the groups, by name, before anything changes.
        context.update(confirm=True, chosen=chosen, names=names)
        return render(request, "customers/customer_groups.html", context)
    try:
        client.add_customer_to_groups(customer_id, chosen, actor=actor)
    except RevCentError as exc:
        messages.error(request, f"No groups were added: {exc.message}")
        return redirect("customer-detail", customer_id=customer_id)
    # The customer page reads the customer again: the groups as RevCent now has them.
    messages.success(request, f"Added to {', '.join(names)}.")
    return redirect("customer-detail", customer_id=customer_id)
