from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from customers.team.roles import may_open_admin, role_label


def product(request: HttpRequest) -> dict[str, object]:
    return {
        "sandbox_mode": settings.REVCENT_SANDBOX,
        "mfa_demo_skip": settings.MFA_DEMO_SKIP,
        # The sign-in page: "Sign in with <provider>", and whether passwords are for everyone.
        "sso_provider_name": settings.OIDC_PROVIDER_NAME if settings.OIDC_ISSUER else "",
        "password_sign_in": settings.PASSWORD_SIGN_IN,
        # Lazy: only pages that show the header pay for the group query.
        "user_role": SimpleLazyObject(lambda: role_label(request.user)),
        # The header's Admin link follows the admin site's own rule (roles, not Staff alone).
        "can_open_admin": SimpleLazyObject(lambda: may_open_admin(request.user)),
    }
