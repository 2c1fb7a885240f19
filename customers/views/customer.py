"""A customer's page and the actions on it: caller check, card links, customer groups."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import attempts, audit, callers, cardlinks
from customers.audit import Actor
from customers.comparison import customer_compare
from customers.customer_forms import CallerCheckForm, CardLinkForm, CustomerGroupsForm
from customers.groups import customer_groups_enabled
from customers.lookup import can_see_customers, customer_visited
from customers.masking import customer_masked, mask_email
from customers.models import CardLink
from customers.notes import note_text
from customers.revcent import REVCENT_ID, RevCentApiError, RevCentError, get_client
from supportdesk.requests import AppRequest

DETAIL_TEMPLATE = "customers/customer_detail.html"


# --- Customer page ------------------------------------------------------------------------------
def _checked_customer_id(request: AppRequest, customer_id: str) -> str:
    """A customer ID the user may look at, or 403/404."""
    if not can_see_customers(request.user):
        raise PermissionDenied
    if not REVCENT_ID.match(customer_id):
        raise Http404("Not a RevCent customer ID.")
    return customer_id


def _card_form_template(request: AppRequest) -> str:
    """SECURE_CARD_FORM_URL, or in sandbox mode the sandbox's own hosted form."""
    if settings.SECURE_CARD_FORM_URL:
        return settings.SECURE_CARD_FORM_URL
    if settings.REVCENT_SANDBOX:
        path = reverse("sandbox-card-form", args=["TOKEN"]).replace("TOKEN", "{token}")
        return request.build_absolute_uri(path).replace("%7Btoken%7D", "{token}")
    return ""


def _caller_check_pending(
    request: AppRequest, customer_id: str, *, needed: bool | None = None
) -> bool:
    """True while this action must wait for the caller to be verified."""
    if needed is None:
        needed = callers.caller_check_needed(customer_id=customer_id, user=request.user)
    store = request.session.get("verified_callers", {})
    return needed and not callers.caller_verified(store, customer_id)


def caller_verified_required(what: str) -> Callable:
    """For actions on an existing customer: back to their page until the caller is verified.

    Also checks the ID and the user's right to see customers.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: AppRequest, customer_id: str, **kwargs: Any) -> HttpResponse:
            customer_id = _checked_customer_id(request, customer_id)
            if _caller_check_pending(request, customer_id):
                messages.error(request, f"Verify the caller before {what}.")
                return redirect("customer-detail", customer_id=customer_id)
            return view(request, customer_id, **kwargs)

        return wrapper

    return decorator


def _revcent_error_page(
    request: AppRequest, exc: RevCentError, context: dict[str, Any]
) -> HttpResponse:
    status = 503
    context["error"] = exc.message
    if isinstance(exc, RevCentApiError):
        status = 404 if exc.http_status == 404 else 502
        if status == 404:
            context["error"] = "RevCent has no customer with this ID."
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_GET
@never_cache  # customer details must not stay in a browser's or a proxy's cache
def customer_detail(request: AppRequest, customer_id: str) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    attempt = attempts.attempt_for_customer(customer_id)
    context: dict[str, Any] = {"customer_id": customer_id, "attempt": attempt}
    try:
        detail = get_client().get_customer(customer_id, actor=Actor.from_request(request))
    except RevCentError as exc:
        return _revcent_error_page(request, exc, context)
    customer_visited(user=request.user, customer_id=customer_id, name=detail.contact.name)
    # Until the caller is verified: masked details, no card-link URLs, no entered values.
    check_needed = callers.caller_check_needed(
        customer_id=customer_id, user=request.user, newest=attempt
    )
    verified = not _caller_check_pending(request, customer_id, needed=check_needed)
    if attempt is not None:
        attempt = attempts.attempt_verify(attempt=attempt, detail=detail)
        if verified:
            context["comparison"] = customer_compare(attempt, detail)
        context["note_text"] = note_text(attempt)
    cardlinks.card_links_settle(customer_id=customer_id, cards=detail.cards)
    template, email = _card_form_template(request), detail.contact.email
    context.update(
        customer=detail if verified else customer_masked(detail),
        attempt=attempt,
        can_act=request.user.has_perm("customers.create_customer"),
        caller_check_needed=check_needed,
        caller_verified=verified,
        caller_form=CallerCheckForm(),
        card_form_configured=bool(template),
        card_links=cardlinks.card_link_rows(
            customer_id, template=template if verified else "", email=email
        ),
        masked_email=mask_email(email),
        timeline=audit.customer_timeline_lines(customer_id),
    )
    return render(request, DETAIL_TEMPLATE, context)


# The caller check's answers are shown beside its form, not in the page's banner: a refusal
# ("too many wrong answers; try again at 16:56") must be read where the next try would be.
CALLER_TAG = "caller-check"


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
def caller_verify(request: AppRequest, customer_id: str) -> HttpResponse:
    customer_id = _checked_customer_id(request, customer_id)
    form = CallerCheckForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Choose what the caller said and type their answer.", extra_tags=CALLER_TAG
        )
        return redirect("customer-detail", customer_id=customer_id)
    outcome = callers.caller_verify(
        customer_id=customer_id,
        kind=form.cleaned_data["kind"],
        answer=form.cleaned_data["answer"],
        user=request.user,
        client=get_client(),
        actor=Actor.from_request(request),
    )
    if outcome.verified:
        store = request.session.get("verified_callers", {})
        request.session["verified_callers"] = {**store, customer_id: time.time()}
    say = messages.success if outcome.verified else messages.error
    say(request, outcome.message, extra_tags=CALLER_TAG)
    return redirect("customer-detail", customer_id=customer_id)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
@caller_verified_required("sending a card link")
def card_link_create(request: AppRequest, customer_id: str) -> HttpResponse:
    template = _card_form_template(request)
    form = CardLinkForm(request.POST)
    if not template:
        messages.error(request, "No secure card form is configured. Ask an admin.")
    elif not form.is_valid():
        messages.error(request, "Choose how to send the link.")
    else:
        ok, text = cardlinks.card_link_issue(
            customer_id=customer_id,
            channel=form.cleaned_data["channel"],
            user=request.user,
            template=template,
            client=get_client(),
            actor=Actor.from_request(request),
        )
        (messages.success if ok else messages.error)(request, text)
    return redirect("customer-detail", customer_id=customer_id)


@require_POST
@permission_required("customers.create_customer", raise_exception=True)
@caller_verified_required("expiring a card link")
def card_link_expire(request: AppRequest, customer_id: str, link_id: uuid.UUID) -> HttpResponse:
    link = get_object_or_404(CardLink, pk=link_id, customer_id=customer_id)
    cardlinks.card_link_expire(link=link, user=request.user, actor=Actor.from_request(request))
    messages.success(request, "The card link no longer works.")
    return redirect("customer-detail", customer_id=customer_id)


# --- Customer groups ----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@never_cache
@permission_required("customers.create_customer", raise_exception=True)
@caller_verified_required("changing their groups")
def customer_groups(request: AppRequest, customer_id: str) -> HttpResponse:
    """Choose groups → confirm → AddCustomerToGroup → GetCustomer. Nothing without the confirm."""
    client, actor = get_client(), Actor.from_request(request)
    try:
        detail = client.get_customer(customer_id, actor=actor)
        enabled = customer_groups_enabled(client=client, actor=actor)
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
