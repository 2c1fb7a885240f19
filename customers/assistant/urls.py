from __future__ import annotations

from django.urls import path

from customers.assistant import views

urlpatterns = [
    path("tokens/", views.assistant_tokens, name="assistant-tokens"),
    path(
        "tokens/<str:prefix>/revoke/",
        views.assistant_token_revoke_view,
        name="assistant-token-revoke",
    ),
]
