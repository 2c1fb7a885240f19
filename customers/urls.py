from __future__ import annotations

from django.urls import path

from customers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/new/", views.customer_create, name="customer-create"),
]
