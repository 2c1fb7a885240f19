from __future__ import annotations

from django.urls import path

from customers.sandbox import views

urlpatterns = [
    path("card-form/<str:token>/", views.card_form, name="sandbox-card-form"),
]
