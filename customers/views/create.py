"""Creating a customer: the form, its metadata rows, the live duplicate panel, and the
attempts whose outcome is not (yet) a customer page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import actions
from customers.actions import ActionRefused, NotFound, NotPermitted, OverLimit
from customers.assistant.proposals import proposal_prefill
from customers.audit import Actor
from customers.creating.duplicates import DuplicateReport
from customers.existing.lookup import can_see_customers, recent_customers
from customers.existing.masking import report_as_shown
from customers.forms.create import CustomerCreateForm, identifiers_from_form_data
from customers.forms.customer import LookupForm
from customers.forms.metadata import METADATA_ROWS_MAX, MetadataFormSet
from customers.forms.parts import SOURCE_METADATA
from customers.matching import Identifiers
from customers.models import CreateAttempt
from customers.revcent import RevCentError
from customers.web.requests import AppRequest

CREATE_TEMPLATE = "customers/customer_create.html"


@require_GET
@never_cache  # the agent's recent customers, by name
def home(request: AppRequest) -> HttpResponse:
    """Start here: a new customer, the search box, and this agent's recent customers."""
    can_look_up = can_see_customers(request.user)
    context = {
        "lookup_form": LookupForm() if can_look_up else None,
        "recent": recent_customers(request.user),
    }
    return render(request, "customers/home.html", context)


# --- New customer ---------------------------------------------------------------------------
def _render_create(
    request: AppRequest,
    form: CustomerCreateForm,
    *,
    report: DuplicateReport | None = None,
    error: str = "",
) -> HttpResponse:
    panel: dict[str, Any] = {}
    if report is not None:
        typed, _ = identifiers_from_form_data(request.POST)
        panel = duplicate_panel_context(report, typed)
    context = {
        **panel,
        "form": form,
        "error": error,
        "error_summary": form.error_summary(),
        "source_metadata": SOURCE_METADATA,
        "has_campaigns": bool(form.campaigns),
        # Opened from an assistant's proposal (a GET with the form filled in).
        "from_proposal": request.method == "GET" and form.is_bound,
    }
    response = render(request, CREATE_TEMPLATE, context)
    if request.method == "POST" or form.is_bound:
        # An answer to a submit may show RevCent's matches, and a proposal's form the
        # customer's details; the empty form (GET) shows no customer data and stays
        # cacheable, so Back can return to it (README, step 3).
        add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@permission_required("customers.create_customer", raise_exception=True)
def customer_create(request: AppRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_create(request, _new_form(request))
    action = request.POST.get("_action", "create")
    if action.startswith(("add_metadata", "remove_metadata")):
        return _metadata_rows(request, action)
    form = CustomerCreateForm(request.POST, refused_card_fields=request.refused_card_fields)
    if not form.is_valid():
        return _render_create(request, form)
    try:
        submission = actions.customer_create(
            actor=Actor.from_request(request),
            key=form.submission_key,
            campaign=form.campaign,
            payload=form.payload(),
            override_reason=form.override_reason(),
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ActionRefused as exc:
        return _render_create(request, form, error=exc.message)
    if submission.attempt is None:
        form.options.override_confirmed()  # says why, if "Create anyway" lacks a reason
        return _render_create(request, form, report=submission.report)
    return _attempt_outcome(request, submission.attempt, form)


def _new_form(request: AppRequest) -> CustomerCreateForm:
    """An empty form, or one filled in from the agent's own assistant proposal (the link an
    assistant gives when it cannot ask the agent to confirm); it is sent like any other."""
    proposal_id = request.GET.get("proposal", "")
    data = proposal_prefill(proposal_id, user_id=request.user.pk) if proposal_id else None
    if data is None:
        return CustomerCreateForm()
    form = CustomerCreateForm(data)
    form.quiet()
    return form


def _attempt_outcome(
    request: AppRequest, attempt: CreateAttempt, form: CustomerCreateForm
) -> HttpResponse:
    """Where a submission ends up, whichever request made the create."""
    if attempt.user_id != request.user.pk:
        raise PermissionDenied("This form belongs to another agent's session.")
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    if attempt.state != CreateAttempt.State.FAILED:
        return redirect("attempt-detail", key=attempt.submission_key)
    retry = form.retry()
    if retry.place_revcent_error(attempt.message):
        return _render_create(request, retry, error="RevCent did not accept the customer.")
    return _render_create(request, retry, error=attempt.message)


def _metadata_rows(request: AppRequest, action: str) -> HttpResponse:
    """Add or remove a metadata row, keeping what was typed (card numbers excepted)."""
    guard = {"refused_card_fields": request.refused_card_fields}
    bound = MetadataFormSet(request.POST, prefix="metadata", form_kwargs=guard)
    rows: list[dict[str, str]] = []
    removed_card = any(name.startswith("metadata-") for name in request.refused_card_fields)
    for index, row in enumerate(bound.forms):
        row.full_clean()  # runs the card guard, which blanks a card number
        removed_card |= bool(row.refused_card_fields)
        if action != f"remove_metadata:{index}":
            rows.append({name: row.data.get(row.add_prefix(name), "") for name in row.fields})
    if action == "add_metadata" and len(rows) < METADATA_ROWS_MAX:
        rows.append({})
    metadata = MetadataFormSet(prefix="metadata", initial=rows)
    if request.htmx:
        context = {"metadata": metadata, "removed_card": removed_card}
        context["source_metadata"] = SOURCE_METADATA
        return render(request, f"{CREATE_TEMPLATE}#metadata-rows", context)
    form = CustomerCreateForm(request.POST, **guard)
    form.quiet()  # the agent added a row; nothing was submitted to find fault with
    form.metadata = metadata
    return _render_create(request, form)


# --- The live duplicate panel ------------------------------------------------------------------
@require_POST
@never_cache  # RevCent's matches: other customers' details
@permission_required("customers.create_customer", raise_exception=True)
def customer_duplicates(request: AppRequest) -> HttpResponse:
    """The panel beside the create form, refreshed by htmx as the agent types.

    POST, so what the agent typed never appears in a URL or an access log.
    """
    template = f"{CREATE_TEMPLATE}#duplicate-results"
    ids, refused = identifiers_from_form_data(
        request.POST, refused_card_fields=request.refused_card_fields
    )
    context: dict[str, Any] = {"refused": refused or request.refused_card_fields}
    if not ids.search_terms():
        return render(request, template, context)
    try:
        report = actions.duplicates_find(actor=Actor.from_request(request), ids=ids)
    except OverLimit:
        return render(request, template, {**context, "rate_limited": True})
    context.update(duplicate_panel_context(report, ids))
    return render(request, template, context)


def duplicate_panel_context(report: DuplicateReport, ids: Identifiers) -> dict[str, Any]:
    """What the panel says about a report, on its own (htmx) and inside the create page's
    gate alike: the matches as shown, and by name which searches were answered, capped or
    failed ("No matches in RevCent for the email typed" only names answered searches)."""
    labels = _term_labels(ids)

    def named(terms: list[str]) -> str:
        """ "email", "email and phone", "email, phone and name"."""
        words = [labels.get(term, "search term") for term in terms]
        return " and ".join(filter(None, [", ".join(words[:-1]), *words[-1:]]))

    answered = [term for term in report.searched if term not in report.failed]
    return {
        "report": report_as_shown(report, ids),
        "searched": named(answered),
        "capped": named(report.capped),
        "failed": named(report.failed),
    }


def _term_labels(ids: Identifiers) -> dict[str, str]:
    """Each search term (as Identifiers.search_terms writes it) by what it is."""
    labels = {
        ids.email.strip(): "email",
        ids.phone.strip(): "phone",
        ids.internal_id.strip(): "internal ID",
        f"{ids.first_name.strip()} {ids.last_name.strip()}": "name",
    }
    return {term: label for term, label in labels.items() if term.strip()}


# --- An attempt whose outcome is not a customer page (yet) ---------------------------------------
def _attempt_or_404(
    action: Callable[..., CreateAttempt], request: AppRequest, key: uuid.UUID
) -> CreateAttempt:
    try:
        return action(actor=Actor.from_request(request), key=key)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _to_attempt_result(attempt: CreateAttempt) -> HttpResponse:
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    return redirect("attempt-detail", key=attempt.submission_key)


@require_GET
@never_cache
@permission_required("customers.create_customer", raise_exception=True)
def attempt_detail(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    attempt = _attempt_or_404(actions.attempt_status, request, key)
    if attempt.customer_id:
        return _to_attempt_result(attempt)
    return render(request, "customers/attempt_detail.html", {"attempt": attempt})


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_reconcile(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    return _to_attempt_result(_attempt_or_404(actions.attempt_check_again, request, key))


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_note(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    """Add the RevCent note that a create could not add at the time (never a second one)."""
    attempt = _attempt_or_404(actions.attempt_own, request, key)
    try:
        attempt = _attempt_or_404(actions.attempt_note_add, request, key)
    except RevCentError as exc:
        messages.error(request, f"Could not check the customer's notes: {exc.message}")
    if attempt.note_id:
        messages.success(request, "The RevCent note is there.")
    else:
        messages.error(request, "The RevCent note is still missing; try again in a moment.")
    return _to_attempt_result(attempt)
