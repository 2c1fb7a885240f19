from __future__ import annotations

from django.urls import path

from customers.team.sso import views

urlpatterns = [
    path("login/", views.sso_start, name="sso-start"),
    path("callback/", views.sso_callback, name="sso-callback"),
]
