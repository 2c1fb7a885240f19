"""Authentication backends: passwords (with the break-glass rule) and provider sessions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from customers.team.sso.config import password_sign_in_allowed, sso_config

SSO_BACKEND = "customers.team.sso.backend.SsoBackend"


class PasswordBackend(ModelBackend):
    """Django's password check, refused up front for anyone who must use the provider
    (PASSWORD_SIGN_IN off and not a named break-glass admin). The sign-in form says why."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None and not password_sign_in_allowed(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SsoBackend(BaseBackend):
    """Loads the user of a session started through the identity provider. It checks no
    password; permissions are ModelBackend's, which answers for every user."""

    def get_user(self, user_id: int) -> User | None:
        if sso_config() is None:  # provider sign-in switched off: its sessions end
            return None
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
