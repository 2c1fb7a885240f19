"""The sandbox's simulated hosted card form: the card provider's page, not Support Desk's.

In real life this page belongs to the merchant's PCI-compliant provider (RevCent's Customer
Portal, say). Here it lets the whole loop be shown and tested: the customer opens the link,
types a test card, and only the brand, last four digits and expiry are kept.
"""

from __future__ import annotations

import re
import secrets
import string
import time

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from customers.cardguard.guard import accepts_card_numbers, luhn_valid
from customers.existing.cardlinks import card_link_of_token, card_link_use
from customers.models import CardLink
from customers.sandbox.models import SandboxCard, SandboxCustomer


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in {"34", "37"}:
        return "Amex"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "Mastercard"
    if digits.startswith(("6011", "65")):
        return "Discover"
    return "Card"


class HostedCardForm(forms.Form):
    error_messages = {
        "invalid_card_number": "That is not a valid card number.",
        "invalid_expiry": "Use MM/YY, for example 12/30.",
        "invalid_cvc": "3 or 4 digits.",
    }

    card_number = forms.CharField(label="Card number", max_length=23)
    expiry = forms.CharField(label="Expiry (MM/YY)", max_length=5)
    cvc = forms.CharField(label="Security code", max_length=4)

    @sensitive_variables("digits")
    def clean_card_number(self) -> str:
        digits = re.sub(r"[ -]", "", self.cleaned_data["card_number"])
        if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_valid(digits):
            raise forms.ValidationError(
                self.error_messages["invalid_card_number"], code="invalid_card_number"
            )
        return digits

    def clean_expiry(self) -> str:
        value: str = self.cleaned_data["expiry"].strip()
        match = re.fullmatch(r"(0[1-9]|1[0-2])/(\d\d)", value)
        if not match:
            raise forms.ValidationError(
                self.error_messages["invalid_expiry"], code="invalid_expiry"
            )
        return value

    def clean_cvc(self) -> str:
        if not re.fullmatch(r"\d{3,4}", self.cleaned_data["cvc"]):
            raise forms.ValidationError(self.error_messages["invalid_cvc"], code="invalid_cvc")
        return ""  # never kept


# The one page that takes a card number: the (simulated) provider's, never Support Desk's.
@accepts_card_numbers
@login_not_required
@never_cache
@sensitive_post_parameters("card_number", "cvc", "expiry")
@require_http_methods(["GET", "POST"])
def card_form(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.REVCENT_SANDBOX:
        raise Http404("The sandbox card form exists only in sandbox mode.")
    link = card_link_of_token(token)
    customer = SandboxCustomer.objects.filter(pk=link.customer_id).first() if link else None
    if link is None or customer is None or not (link.active or _used(link)):
        return render(request, "sandbox/card_form.html", {"invalid": True}, status=410)
    if _used(link):
        return render(request, "sandbox/card_form.html", {"used": True}, status=410)
    form = HostedCardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The link is used up before the card is kept: of two submissions, one card.
        if not card_link_use(link, now=timezone.now()):
            return render(request, "sandbox/card_form.html", {"used": True}, status=410)
        _keep_summary(customer, form)
        return render(request, "sandbox/card_form.html", {"done": True, "customer": customer})
    if form.is_bound:
        # Never send a card number back to the browser, valid or not.
        data = request.POST.copy()
        data["card_number"] = ""
        data["cvc"] = ""
        form.data = data
    return render(request, "sandbox/card_form.html", {"form": form, "customer": customer})


def _used(link: CardLink) -> bool:
    return link.status == CardLink.Status.CARD_RECEIVED


@sensitive_variables("digits")
def _keep_summary(customer: SandboxCustomer, form: HostedCardForm) -> None:
    digits = form.cleaned_data["card_number"]
    customer.cards.update(is_default=False)
    SandboxCard.objects.create(
        id="".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20)),
        customer=customer,
        brand=card_brand(digits),
        last_4=digits[-4:],
        expiry_date=form.cleaned_data["expiry"],
        is_default=True,
        created_unix=int(time.time()),
    )
