"""The card guard at the door: card numbers kept out of every part of a request before any
view, form, log line or lock-out row reads it (customers/cardguard/guard.py has the rules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBase
from django.http.request import HttpHeaders
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.deprecation import MiddlewareMixin

from customers import audit
from customers.cardguard.guard import (
    ACCEPTS_CARD_NUMBERS,
    GUARDS_OWN_BODY,
    any_card_number,
    card_shaped_key,
    contains_card_number,
    redact_card_numbers,
    redact_url_text,
    scrub_card_numbers,
)
from customers.models import AuditEntry
from customers.web.limits import (
    BODY_TOO_BIG,
    FIELD_TOO_LONG,
    FORM_TYPES,
    UNSCANNED_HEADERS,
    field_name_too_long,
    signed_out_body_over_cap,
    values_cut,
)
from customers.web.middleware import over_caps_response
from customers.web.requests import MiddlewareRequest

_View = Callable[..., HttpResponseBase]


class CardNumberGuardMiddleware(MiddlewareMixin):
    """Keep card numbers out of every part of a request before anything reads it.

    - Headers (User-Agent and Accept, which the lock-out tables store, Referer, HX-Current-URL
      …): the card number is replaced by a marker.
    - The query string and form data: the value is blanked, and the field names are kept on
      `request.refused_card_fields` so forms can say which field was refused.
    - The path, a field name (in the query string or the form), or any other body (JSON,
      text): the request is answered with a page saying so, and no view runs.

    Every refusal is audited, by name only. Only a view marked `@accepts_card_numbers` (the
    sandbox's simulated card provider page) is exempt from the query, form and body checks.
    """

    def process_request(self, request: MiddlewareRequest) -> HttpResponse | None:
        # Views read these without checking, so they must exist even where a check exits early.
        request.refused_card_fields = []
        request.refused_card_headers = []
        if signed_out_body_over_cap(request.META) and not request.user.is_authenticated:
            return over_caps_response(BODY_TOO_BIG)
        request.refused_card_headers = headers = _redact_headers(request)
        if contains_card_number(request.path_info):
            # Nothing later (the audit row, the "Bad Request" log line) may quote it.
            request.path_info = redact_card_numbers(request.path_info)
            request.path = redact_card_numbers(request.path)
            _audit_refusal(request, [*headers, "page address"])
            return _refused_page(request)
        if card_shaped_key(request.GET):
            # A name cannot be blanked like a value, and no page of ours has such a field:
            # the request is refused whole, so nothing (the lock-out tables) stores the name.
            _audit_refusal(request, [*headers, "a field name in the page address"])
            return _refused_page(request)
        view = _view_of(request)
        exempt = getattr(view, ACCEPTS_CARD_NUMBERS, False)
        refused: list[str] = []
        if not exempt:
            request.GET, refused = scrub_card_numbers(request.GET)
            if refused:
                # get_full_path() (login redirects, "next" links) reads the raw query string.
                request.META["QUERY_STRING"] = request.GET.urlencode()
        if (
            not exempt
            and not getattr(view, GUARDS_OWN_BODY, False)
            and request.method in ("POST", "PUT", "PATCH", "DELETE")
            and request.content_type not in FORM_TYPES
            and _body_may_be_read(request, view)
            and _body_holds_card_number(request)
        ):
            _audit_refusal(request, [*headers, *refused, "request body"])
            return _refused_page(request)
        request.refused_card_fields = refused
        return None

    def process_view(
        self,
        request: MiddlewareRequest,
        view_func: _View,
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        refused = request.refused_card_fields
        if request.method == "POST" and field_name_too_long(request.POST.keys()):
            return over_caps_response(FIELD_TOO_LONG)  # no form of ours has such a name
        if request.method == "POST":
            request.POST = values_cut(request.POST)  # before any scan reads them
        if request.method == "POST" and card_shaped_key(request.POST):
            _audit_refusal(request, [*request.refused_card_headers, *refused, "a field name"])
            return _refused_page(request)
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not getattr(view_func, ACCEPTS_CARD_NUMBERS, False)
        ):
            request.POST, refused_post = scrub_card_numbers(request.POST)
            refused += refused_post
        request.refused_card_fields = refused
        if refused or request.refused_card_headers:
            # On a customer's page, the refusal belongs on that customer's timeline too.
            _audit_refusal(
                request,
                [*request.refused_card_headers, *refused],
                customer_id=str(view_kwargs.get("customer_id", "")),
            )
        if refused and request.method == "GET" and _page_load(request):
            # The address bar still shows the card number, and every request the page makes
            # would send it again (Referer, HX-Current-URL): load the page at the clean address.
            messages.warning(
                request, "A card number was removed from the page address. It was not kept."
            )
            return redirect(request.get_full_path())
        return None


def _page_load(request: MiddlewareRequest) -> bool:
    """A signed-in browser's own page load (not htmx's, whose URL is not in the address bar);
    a signed-out one is sent to sign in with the clean address anyway."""
    return request.user.is_authenticated and not getattr(request, "htmx", False)


def _redact_headers(request: MiddlewareRequest) -> list[str]:
    refused = []
    for key, value in list(request.META.items()):
        if key.startswith("HTTP_") and key not in UNSCANNED_HEADERS and isinstance(value, str):
            clean = redact_url_text(value)
            if clean != value:
                request.META[key] = clean
                refused.append(key.removeprefix("HTTP_").replace("_", "-").title())
    if refused:
        request.headers = HttpHeaders(request.META)  # the cached view of the old values
    return [f"header {name}" for name in refused]


def _view_of(request: MiddlewareRequest) -> _View | None:
    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def _body_may_be_read(request: MiddlewareRequest, view: _View | None) -> bool:
    """Whether anything will read this body. Signed out, only a public view can (sign-in,
    password reset): every other view is answered by the login or CSRF middleware first, and
    an address with no view by a 404; none of them reads, logs or keeps the body. So a
    signed-out stranger's body is never scanned, whatever it holds (issue 23: a 64 KB body
    once cost a worker 15 s)."""
    if request.user.is_authenticated:
        return True
    return view is not None and not getattr(view, "login_required", True)


def _body_holds_card_number(request: MiddlewareRequest) -> bool:
    try:
        raw = request.body
    except RequestDataTooBig:
        return False  # Django refuses it on its own, unread
    text = raw.decode("utf-8", "replace")
    if contains_card_number(text):
        return True
    try:  # "\u0034\u0031…": JSON escapes hide digits from a plain read
        return any_card_number(json.loads(text))
    except ValueError:
        return False


def _audit_refusal(request: MiddlewareRequest, refused: list[str], customer_id: str = "") -> None:
    audit.agent_action(
        action=AuditEntry.Operation.CARD_NUMBER_REFUSED,
        actor=audit.Actor.from_request(request),
        message=f"A card number was refused in {', '.join(refused)} on {request.path}; "
        "the digits were not kept.",
        customer_id=customer_id,
    )


def _refused_page(request: MiddlewareRequest) -> HttpResponse:
    return render(request, "card_number_refused.html", status=400)
