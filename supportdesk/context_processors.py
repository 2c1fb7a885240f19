from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from customers.roles import role_label


def product(request: HttpRequest) -> dict[str, object]:
    return {
        "sandbox_mode": settings.REVCENT_SANDBOX,
        "mfa_demo_skip": settings.MFA_DEMO_SKIP,
        # Lazy: only pages that show the header pay for the group query.
        "user_role": SimpleLazyObject(lambda: role_label(request.user)),
    }
