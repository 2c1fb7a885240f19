from __future__ import annotations

from django.urls import path

from customers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/settings/", views.account_settings, name="account-settings"),
    path("team/overview/", views.team_overview, name="team-overview"),
    path("team/overview/<slug:slug>.csv", views.team_overview_csv, name="team-overview-csv"),
    path("customers/new/", views.customer_create, name="customer-create"),
    path("customers/find/", views.customer_search, name="customer-search"),
    path("customers/new/duplicates/", views.customer_duplicates, name="customer-duplicates"),
    path("customers/attempts/<uuid:key>/", views.attempt_detail, name="attempt-detail"),
    path(
        "customers/attempts/<uuid:key>/reconcile/",
        views.attempt_reconcile,
        name="attempt-reconcile",
    ),
    path("customers/attempts/<uuid:key>/note/", views.attempt_note, name="attempt-note"),
    path("customers/<str:customer_id>/", views.customer_detail, name="customer-detail"),
    path(
        "customers/<str:customer_id>/verify-caller/",
        views.caller_verify,
        name="caller-verify",
    ),
    path(
        "customers/<str:customer_id>/groups/",
        views.customer_groups,
        name="customer-groups",
    ),
    path(
        "customers/<str:customer_id>/card-links/",
        views.card_link_create,
        name="card-link-create",
    ),
    path(
        "customers/<str:customer_id>/card-links/<uuid:link_id>/expire/",
        views.card_link_expire,
        name="card-link-expire",
    ),
]
