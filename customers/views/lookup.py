"""Find an existing customer: by e-mail, phone, name, internal ID or RevCent ID."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from customers import actions
from customers.actions import ActionRefused
from customers.audit import Actor
from customers.existing.lookup import KEPT_SECONDS, can_see_customers, lookup_keep, lookup_kept
from customers.forms.customer import LookupForm
from customers.views.refusals import refused_back_to
from customers.web.requests import AppRequest

TEMPLATE = "customers/customer_search.html"


@require_http_methods(["GET", "POST"])
@never_cache  # search results: customers' names and masked details
def customer_search(request: AppRequest) -> HttpResponse:
    """POST, so the e-mail or phone searched for never appears in a URL or an access log;
    then a redirect to the results' GET (?r=<opaque key>), so Back and refresh reload them."""
    if not can_see_customers(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return _results_page(request, request.GET.get("r", ""))
    form = LookupForm(request.POST, refused_card_fields=request.refused_card_fields)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form})
    try:
        result = actions.customer_search(
            actor=Actor.from_request(request), query=form.cleaned_data["q"]
        )
    except ActionRefused as exc:
        return refused_back_to(request, exc, reverse("customer-search"))
    if result.customer_id:
        return redirect("customer-detail", customer_id=result.customer_id)
    key = lookup_keep(result, user_id=request.user.pk)
    return _see_other(f"{reverse('customer-search')}?r={key}")


def _results_page(request: AppRequest, key: str) -> HttpResponse:
    """The results kept under key (no RevCent call, nothing counted against the search
    limit), or the empty form saying they are gone (expired, or another user's key)."""
    result = lookup_kept(key, user_id=request.user.pk) if key else None
    form = LookupForm(initial={"q": result.query} if result else None)
    gone = bool(key) and result is None
    context = {"form": form, "result": result, "gone": gone, "kept_minutes": KEPT_SECONDS // 60}
    return render(request, TEMPLATE, context)


def _see_other(url: str) -> HttpResponseRedirect:
    """303: the answer to the POST is another page, fetched with GET (RFC 9110 15.4.4)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
