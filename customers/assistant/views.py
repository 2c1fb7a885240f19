"""The assistant tokens page: make one (shown once), see yours, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from customers.actions import ActionRefused, NotFound, NotPermitted
from customers.assistant.services import (
    assistant_token_create,
    assistant_token_revoke,
    token_to_revoke,
    tokens_of,
)
from customers.assistant.tokens import scopes_for
from customers.audit import Actor
from customers.forms.tokens import TokenCreateForm
from customers.web.requests import AppRequest

TEMPLATE = "assistant/tokens.html"


@require_http_methods(["GET", "POST"])
@never_cache  # the new token is on this page once, and must not stay in any cache
def assistant_tokens(request: AppRequest) -> HttpResponse:
    allowed = scopes_for(request.user)
    if not allowed:
        raise PermissionDenied("Only agents and auditors can use the assistant channel.")
    form = TokenCreateForm(request.POST or None, allowed=allowed)
    context = {"form": form, "tokens": tokens_of(request.user), "new_token": ""}
    context["mcp_url"] = request.build_absolute_uri(reverse("assistant-mcp"))
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = assistant_token_create(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            context.update(
                new_token=raw,
                new=token,
                tokens=tokens_of(request.user),
                form=TokenCreateForm(allowed=allowed),
            )
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
def assistant_token_revoke_view(request: AppRequest, prefix: str) -> HttpResponse:
    """GET asks first (which token, whose, what stops working); POST revokes."""
    try:
        if request.method == "GET":
            token = token_to_revoke(actor=Actor.from_request(request), prefix=prefix)
            return render(request, "assistant/token_revoke.html", {"token": token})
        token = assistant_token_revoke(actor=Actor.from_request(request), prefix=prefix)
    except (NotFound, NotPermitted) as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"Token {token.prefix} no longer works.")
    if token.user_id != request.user.pk:  # an admin, revoking someone else's
        return redirect("admin:customers_assistanttoken_changelist")
    return redirect("assistant-tokens")
