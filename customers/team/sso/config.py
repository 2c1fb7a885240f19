"""What the environment configured for sign-in through the identity provider.

Read from settings on each use (not at import), so tests and a reload see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class SsoConfig:
    issuer: str
    client_id: str
    client_secret: str
    provider_name: str
    scopes: str
    groups_claim: str
    # Provider group name -> role key (customers/team/roles.py ROLE_CHOICES).
    group_roles: dict[str, str]
    allowed_domains: tuple[str, ...]
    mfa_acr_values: tuple[str, ...]
    session_hours: int
    timeout_seconds: int

    @property
    def session_seconds(self) -> int:
        return self.session_hours * 60 * 60


def sso_config() -> SsoConfig | None:
    """The provider's configuration, or None when sign-in through a provider is not set up."""
    if not settings.OIDC_ISSUER:
        return None
    group_roles: dict[str, str] = {}
    # The weakest first, so a group named for two roles gives the stronger one.
    for role, groups in (
        ("agent", settings.OIDC_AGENT_GROUPS),
        ("auditor", settings.OIDC_AUDITOR_GROUPS),
        ("admin", settings.OIDC_ADMIN_GROUPS),
    ):
        group_roles.update(dict.fromkeys(groups, role))
    return SsoConfig(
        issuer=settings.OIDC_ISSUER,
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        provider_name=settings.OIDC_PROVIDER_NAME,
        scopes=settings.OIDC_SCOPES,
        groups_claim=settings.OIDC_GROUPS_CLAIM,
        group_roles=group_roles,
        allowed_domains=tuple(d.lower().lstrip("@") for d in settings.OIDC_ALLOWED_EMAIL_DOMAINS),
        mfa_acr_values=tuple(settings.OIDC_MFA_ACR_VALUES),
        session_hours=settings.OIDC_SESSION_HOURS,
        timeout_seconds=settings.OIDC_TIMEOUT_SECONDS,
    )


def password_sign_in_allowed(username: str) -> bool:
    """Whether this username may sign in with a password: everyone unless PASSWORD_SIGN_IN is
    off, then only the break-glass admins named in PASSWORD_SIGN_IN_ADMINS."""
    if settings.PASSWORD_SIGN_IN:
        return True
    return username.strip().casefold() in {
        name.casefold() for name in settings.PASSWORD_SIGN_IN_ADMINS
    }


# What a session started through the provider keeps (customers/team/middleware.py reads
# the first two): its own lifetime, whether the provider did the second factor, and the ID
# token, sent back to the provider as the hint at sign-out.
SESSION_MAX_AGE = "max_age_seconds"
SESSION_PROVIDER_MFA = "sso_provider_mfa"
SESSION_ID_TOKEN = "sso_id_token"
SESSION_NEXT = "sso_next"
