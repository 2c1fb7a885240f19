"""How the web shows an action's refusal (customers/actions/rules.py): no role is a 403, a
thing that is not there a 404, anything else a message on the page the agent goes back to."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from customers.actions import ActionRefused, NotFound, NotPermitted
from customers.web.requests import AppRequest


def refused_back_to(
    request: AppRequest, exc: ActionRefused, url: str, *, extra_tags: str = ""
) -> HttpResponse:
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(exc.message)
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    messages.error(request, exc.message, extra_tags=extra_tags)
    return redirect(url)
