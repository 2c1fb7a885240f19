"""Find an existing customer: by e-mail, phone, name, internal ID or RevCent ID."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from customers import actions
from customers.actions import ActionRefused
from customers.audit import Actor
from customers.existing.lookup import can_see_customers
from customers.forms.customer import LookupForm
from customers.views.refusals import refused_back_to
from customers.web.requests import AppRequest


@require_http_methods(["GET", "POST"])
@never_cache  # search results: customers' names and masked details
def customer_search(request: AppRequest) -> HttpResponse:
    """POST, so the e-mail or phone searched for never appears in a URL or an access log."""
    if not can_see_customers(request.user):
        raise PermissionDenied
    form = LookupForm(request.POST or None, refused_card_fields=request.refused_card_fields)
    if request.method == "GET" or not form.is_valid():
        return render(request, "customers/customer_search.html", {"form": form})
    try:
        result = actions.customer_search(
            actor=Actor.from_request(request), query=form.cleaned_data["q"]
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, reverse("customer-search"))
    if result.customer_id:
        return redirect("customer-detail", customer_id=result.customer_id)
    return render(request, "customers/customer_search.html", {"form": form, "result": result})
