"""Request plumbing every page shares: caps checked from the headers alone, and the request ID
that ties log lines and audit rows together."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from customers.cardguard.guard import (
    contains_card_number,
)
from customers.web.limits import (
    Refusal,
    request_over_caps,
)
from customers.web.requests import MiddlewareRequest

# A request ID from the load balancer is kept only when it is a short plain token: letters,
# digits and dashes (UUIDs, hex and trace IDs are), 8 to 64 of them, at least one a letter, so
# a pasted number is never taken for one; and no card number, whatever its shape. Anything
# else (underscores or dots between digit groups, "4111____1111…") could smuggle text into
# the audit trail and the response, so it is replaced by our own and never echoed.
_INCOMING_ID = re.compile(r"(?=[0-9-]*[A-Za-z])[A-Za-z0-9-]{8,64}")

_View = Callable[..., HttpResponseBase]


class RequestLimitsMiddleware(MiddlewareMixin):
    """Refuse a request over a cap (customers/web/limits.py) from its headers alone: first of
    all, so nothing reads or scans more than the caps allow."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        refusal = request_over_caps(request.META)
        return over_caps_response(refusal) if refusal is not None else None


def over_caps_response(refusal: Refusal) -> HttpResponse:
    # Plain text: the app's pages never come near a cap, so only a script meets this, and a
    # page would cost templates and context (the user, the session) for nothing.
    return HttpResponse(
        f"{refusal.message}\n", status=refusal.status, content_type="text/plain; charset=utf-8"
    )


class RequestIdMiddleware(MiddlewareMixin):
    """Give every request an ID that ties log lines and audit rows together."""

    def process_request(self, request: MiddlewareRequest) -> None:
        incoming = request.headers.get("X-Request-ID", "")
        usable = _INCOMING_ID.fullmatch(incoming) and not contains_card_number(incoming)
        request.request_id = incoming if usable else uuid.uuid4().hex

    def process_response(
        self, request: MiddlewareRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response["X-Request-ID"] = request.request_id
        return response
