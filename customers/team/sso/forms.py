"""The password sign-in form, which says so when passwords are off for this user."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from customers.team.sso.config import password_sign_in_allowed


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "password_sign_in_off": (
            "Password sign-in is off. Use “Sign in with %(provider)s” above; only the "
            "break-glass admins may use a password."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and not password_sign_in_allowed(username):
            raise forms.ValidationError(
                self.error_messages["password_sign_in_off"],
                code="password_sign_in_off",
                params={"provider": settings.OIDC_PROVIDER_NAME},
            )
        return super().clean()
