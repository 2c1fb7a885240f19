from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from supportdesk import views

admin.site.site_header = "Support Desk administration"
admin.site.site_title = "Support Desk"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The simulated card provider's page (sandbox mode only; 404 otherwise).
    path("sandbox/", include("customers.sandbox.urls")),
    path("", include("customers.urls")),
]
