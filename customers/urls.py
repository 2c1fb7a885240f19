from __future__ import annotations

from django.urls import path

from customers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/new/", views.customer_create, name="customer-create"),
    path("customers/new/duplicates/", views.customer_duplicates, name="customer-duplicates"),
    path("customers/attempts/<uuid:key>/", views.attempt_detail, name="attempt-detail"),
    path(
        "customers/attempts/<uuid:key>/reconcile/",
        views.attempt_reconcile,
        name="attempt-reconcile",
    ),
    path("customers/<str:customer_id>/", views.customer_detail, name="customer-detail"),
]
