from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView
from django.db import connection
from django.db.utils import DatabaseError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from customers.team.sso.config import SESSION_ID_TOKEN
from customers.team.sso.views import sso_sign_out_url


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Tell the load balancer whether this server can reach its database.

    It never calls RevCent: an upstream outage must not take every app server out of
    rotation, since the app still serves its pages and explains the outage itself.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request, not at import: with the manifest storage the hashed name exists
    # only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


class SignOutView(LogoutView):
    """Django's logout (POST only), then a word that it worked on the login page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get(SESSION_ID_TOKEN, "")
        response = super().post(request, *args, **kwargs)
        # After logout(): the old session, and any message in it, is already gone.
        messages.info(request, "You have signed out.")
        # Signed in through the identity provider: sign out there too, where it can.
        at_provider = sso_sign_out_url(request, id_token)
        return HttpResponseRedirect(at_provider) if at_provider else response
