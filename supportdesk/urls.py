from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.generic import RedirectView

from customers.assistant.endpoint import protected_resource_metadata
from customers.team import mfa
from customers.team.sso.forms import SignInForm
from customers.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that do not name an icon (Django admin's).
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/mfa/setup/", mfa.mfa_setup, name="mfa-setup"),
    path("accounts/mfa/verify/", mfa.mfa_verify, name="mfa-verify"),
    # One sign-in for everyone: the admin's own login page sends people to ours (lock-out
    # and the second factor included).
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    # Sign-in through the company's identity provider (404 unless OIDC_ISSUER is set).
    path("accounts/sso/", include("customers.team.sso.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The simulated card provider's page (sandbox mode only; 404 otherwise).
    path("sandbox/", include("customers.sandbox.urls")),
    path("assistant/", include("customers.assistant.urls")),
    # RFC 9728: where an MCP client learns how to get a token for /assistant/mcp.
    path(
        ".well-known/oauth-protected-resource/assistant/mcp",
        protected_resource_metadata,
        name="assistant-resource-metadata",
    ),
    path("", include("customers.urls")),
]
