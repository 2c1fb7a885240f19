"""A customer's page and the actions on it: caller check, card links, customer groups.

Adapters over customers/actions/: each reads its form, calls one action and shows the
outcome; the action itself checks the role, the caller check and the card guard.
"""

from __future__ import annotations

import uuid
from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import actions
from customers.actions import ActionRefused, CustomerGroupsOffer, CustomerUnavailable
from customers.audit import Actor
from customers.existing.cardlinks import card_form_template
from customers.forms.customer import CallerCheckForm, CardLinkForm, CustomerGroupsForm
from customers.models import CardLink
from customers.revcent import RevCentApiError, RevCentError
from customers.views.refusals import refused_back_to
from customers.web.requests import AppRequest

DETAIL_TEMPLATE = "customers/customer_detail.html"
CUSTOMER_GROUPS_TEMPLATE = "customers/customer_groups.html"


def _card_form_template(request: AppRequest) -> str:
    return card_form_template(site_url=request.build_absolute_uri("/"))


def _unavailable_page(
    request: AppRequest, exc: CustomerUnavailable, customer_id: str
) -> HttpResponse:
    context: dict[str, Any] = {"customer_id": customer_id, "attempt": exc.attempt}
    status, context["error"] = 503, exc.message
    if isinstance(exc.error, RevCentApiError):
        status = 404 if exc.error.http_status == 404 else 502
        if status == 404:
            context["error"] = "RevCent has no customer with this ID."
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_GET
@never_cache  # customer details must not stay in a browser's or a proxy's cache
def customer_detail(request: AppRequest, customer_id: str) -> HttpResponse:
    actor, template = Actor.from_request(request), _card_form_template(request)
    try:
        page = actions.customer_page(
            actor=actor, customer_id=customer_id, card_form_template=template
        )
    except CustomerUnavailable as exc:
        return _unavailable_page(request, exc, customer_id)
    except ActionRefused as exc:
        return refused_back_to(request, exc, reverse("home"))
    if request.GET.get("via") == "gate":  # the duplicate gate's Use led here
        actions.duplicate_match_used(actor=actor, customer_id=customer_id)
    context = {field.name: getattr(page, field.name) for field in fields(page)}
    context.update(
        customer_id=customer_id,
        # After a wrong answer the question stays picked (`?kind=` names it, never the answer).
        caller_form=CallerCheckForm(initial={"kind": request.GET.get("kind", "")}),
        card_form_configured=bool(template),
    )
    return render(request, DETAIL_TEMPLATE, context)


# The caller check's answers are shown beside its form, not in the page's banner: a refusal
# ("too many wrong answers; try again at 16:56") must be read where the next try would be.
CALLER_TAG = "caller-check"
# A link just made to copy: the customer page gives its Copy button the focus.
NEW_LINK_TAG = "card-link-new"


@require_POST
def caller_verify(request: AppRequest, customer_id: str) -> HttpResponse:
    form = CallerCheckForm(request.POST)
    back = reverse("customer-detail", args=[customer_id])
    answer = form.cleaned_data if form.is_valid() else {"kind": "", "answer": ""}
    try:
        outcome = actions.caller_verify(
            actor=Actor.from_request(request), customer_id=customer_id, **answer
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, back, extra_tags=CALLER_TAG)
    say = messages.success if outcome.verified else messages.error
    say(request, outcome.message, extra_tags=CALLER_TAG)
    asked = answer["kind"]
    return redirect(f"{back}?kind={asked}" if asked and not outcome.verified else back)


@require_POST
def card_link_create(request: AppRequest, customer_id: str) -> HttpResponse:
    form = CardLinkForm(request.POST)
    back = reverse("customer-detail", args=[customer_id])
    channel = form.cleaned_data["channel"] if form.is_valid() else ""
    try:
        ok, text = actions.card_link_send(
            actor=Actor.from_request(request),
            customer_id=customer_id,
            channel=channel,
            card_form_template=_card_form_template(request),
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, back)
    if not ok:
        messages.error(request, text)
    else:
        tags = NEW_LINK_TAG if channel == CardLink.Channel.COPY else ""
        messages.success(request, text, extra_tags=tags)
    return redirect(back)


@require_POST
def card_link_expire(request: AppRequest, customer_id: str, link_id: uuid.UUID) -> HttpResponse:
    back = reverse("customer-detail", args=[customer_id])
    try:
        actions.card_link_expire(
            actor=Actor.from_request(request), customer_id=customer_id, link_id=link_id
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, back)
    messages.success(request, "The card link no longer works.")
    return redirect(back)


# --- Customer groups ----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@never_cache
def customer_groups(request: AppRequest, customer_id: str) -> HttpResponse:
    """Choose groups → confirm → AddCustomerToGroup → GetCustomer. Nothing without the confirm."""
    actor, back = Actor.from_request(request), reverse("customer-detail", args=[customer_id])
    try:
        offer = actions.customer_groups_offer(actor=actor, customer_id=customer_id)
        form = CustomerGroupsForm(request.POST or None, choices=offer.choices)
        if request.method == "GET" or not form.is_valid():
            return _customer_groups_page(request, offer, form)
        chosen = form.cleaned_data["customer_groups"]
        if request.POST.get("step") != "add":
            # The confirmation: the customer and the groups, by name, before anything changes.
            return _customer_groups_page(request, offer, form, chosen=chosen)
        names = actions.customer_groups_add(
            actor=actor, customer_id=customer_id, group_ids=chosen, offer=offer
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, back)
    except RevCentError as exc:
        messages.error(request, _customer_groups_failure(request, exc))
        return redirect(back)
    # The customer page reads the customer again: the groups as RevCent now has them.
    messages.success(request, f"Added to {', '.join(names)}.")
    return redirect(back)


def _customer_groups_page(
    request: AppRequest,
    offer: CustomerGroupsOffer,
    form: CustomerGroupsForm,
    *,
    chosen: list[str] | None = None,
) -> HttpResponse:
    """The choice, or (with `chosen`) the confirmation naming the groups."""
    context: dict[str, object] = {
        "customer": offer.customer,
        "form": form,
        "choices": offer.choices,
    }
    if chosen is not None:
        names = [name for group_id, name in offer.choices if group_id in chosen]
        context.update(confirm=True, chosen=chosen, names=names)
    return render(request, CUSTOMER_GROUPS_TEMPLATE, context)


def _customer_groups_failure(request: AppRequest, exc: RevCentError) -> str:
    if request.method == "POST" and request.POST.get("step") == "add":
        return f"No groups were added: {exc.message}"
    return f"Could not load the customer groups: {exc.message}"
