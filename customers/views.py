from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/home.html")


@require_GET
@permission_required("customers.create_customer", raise_exception=True)
def customer_create(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/customer_create.html")
