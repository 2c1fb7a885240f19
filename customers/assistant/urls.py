from __future__ import annotations

from django.urls import path

from customers.assistant import endpoint, views

urlpatterns = [
    path("mcp", endpoint.mcp_endpoint, name="assistant-mcp"),
    path("tokens/", views.assistant_tokens, name="assistant-tokens"),
    path(
        "tokens/<str:prefix>/revoke/",
        views.assistant_token_revoke_view,
        name="assistant-token-revoke",
    ),
]
