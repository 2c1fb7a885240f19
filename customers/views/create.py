"""Creating a customer: the form, its metadata rows, the live duplicate panel, and the
attempts whose outcome is not (yet) a customer page."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import attempts, ratelimit, reconcile, recovery
from customers.audit import Actor
from customers.claims import IdentityBusy
from customers.create_form import CustomerCreateForm, identifiers_from_form_data
from customers.customer_forms import LookupForm
from customers.duplicates import DuplicateReport, duplicate_check
from customers.forms import METADATA_ROWS_MAX, SOURCE_METADATA, MetadataFormSet
from customers.lookup import can_see_customers, recent_customers
from customers.masking import report_as_shown
from customers.matching import Identifiers
from customers.models import CreateAttempt
from customers.notes import attempt_note_retry
from customers.revcent import RevCentError, get_client
from supportdesk.requests import AppRequest

CREATE_TEMPLATE = "customers/customer_create.html"
PERSON_BUSY = (
    "Another create for this e-mail, phone or internal ID is still running, so nothing was "
    "created. Submit again in a minute: the duplicate check will then show that customer."
)


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
    if report is not None:
        typed, _ = identifiers_from_form_data(request.POST)
        report = report_as_shown(report, typed)
    context = {
        "form": form,
        "report": report,
        "error": error,
        "error_summary": form.error_summary(),
        "source_metadata": SOURCE_METADATA,
        "has_campaigns": bool(form.campaigns),
    }
    response = render(request, CREATE_TEMPLATE, context)
    if request.method == "POST":
        # An answer to a submit may show RevCent's matches; the empty form (GET) shows no
        # customer data and stays cacheable, so Back can return to it (README, step 3).
        add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@permission_required("customers.create_customer", raise_exception=True)
def customer_create(request: AppRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_create(request, CustomerCreateForm())
    action = request.POST.get("_action", "create")
    if action.startswith(("add_metadata", "remove_metadata")):
        return _metadata_rows(request, action)
    form = CustomerCreateForm(request.POST, refused_card_fields=request.refused_card_fields)
    if not form.is_valid():
        return _render_create(request, form)
    try:
        submission = attempts.customer_create_submit(
            key=form.submission_key,
            user=request.user,
            campaign=form.campaign,
            payload=form.payload(),
            override_reason=form.override_reason(),
            client=get_client(),
            actor=Actor.from_request(request),
        )
    except IdentityBusy:
        return _render_create(request, form, error=PERSON_BUSY)
    if submission.attempt is None:
        form.options.override_confirmed()  # says why, if "Create anyway" lacks a reason
        return _render_create(request, form, report=submission.report)
    return _attempt_outcome(request, submission.attempt, form)


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
    if ratelimit.count_search_over_limit(request.user.pk):
        return render(request, template, {**context, "rate_limited": True})
    report = duplicate_check(
        ids, client=get_client(), actor=Actor.from_request(request), use_cache=True
    )
    labels = _term_labels(ids)
    context.update(
        report=report_as_shown(report, ids),
        searched=[labels[term] for term in report.searched],
        capped=[labels[term] for term in report.capped],
        failed=[labels[term] for term in report.failed],
    )
    return render(request, template, context)


def _term_labels(ids: Identifiers) -> dict[str, str]:
    labels = {ids.email: "email", ids.phone: "phone", ids.internal_id: "internal ID"}
    if ids.first_name:
        labels[f"{ids.first_name} {ids.last_name}"] = "name"
    return {term: label for term, label in labels.items() if term}


# --- An attempt whose outcome is not a customer page (yet) ---------------------------------------
def _own_attempt(request: AppRequest, key: uuid.UUID) -> CreateAttempt:
    """The agent's own attempt (any, for a superuser), or 404."""
    attempt = get_object_or_404(CreateAttempt, submission_key=key)
    if attempt.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No such attempt.")
    return attempt


def _to_attempt_result(attempt: CreateAttempt) -> HttpResponse:
    if attempt.customer_id:
        return redirect("customer-detail", customer_id=attempt.customer_id)
    return redirect("attempt-detail", key=attempt.submission_key)


@require_GET
@never_cache
@permission_required("customers.create_customer", raise_exception=True)
def attempt_detail(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    attempt = recovery.attempt_mark_if_abandoned(_own_attempt(request, key))
    if attempt.customer_id:
        return _to_attempt_result(attempt)
    return render(request, "customers/attempt_detail.html", {"attempt": attempt})


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_reconcile(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    attempt = reconcile.attempt_reconcile(
        attempt=_own_attempt(request, key), client=get_client(), actor=Actor.from_request(request)
    )
    return _to_attempt_result(attempt)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def attempt_note(request: AppRequest, key: uuid.UUID) -> HttpResponse:
    """Add the RevCent note that a create could not add at the time (never a second one)."""
    attempt = _own_attempt(request, key)
    try:
        attempt = attempt_note_retry(
            attempt=attempt, client=get_client(), actor=Actor.from_request(request)
        )
    except RevCentError as exc:
        messages.error(request, f"Could not check the customer's notes: {exc.message}")
    if attempt.note_id:
        messages.success(request, "The RevCent note is there.")
    else:
        messages.error(request, "The RevCent note is still missing; try again in a moment.")
    return _to_attempt_result(attempt)
