"""Plain rules over an ID token's claims: no request, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# RFC 8176 authentication method references that mean a second factor was used.
MFA_AMR_VALUES = frozenset({"mfa", "otp", "hwk"})
# Strongest first: a user in several mapped groups gets the strongest role.
ROLE_STRENGTH = ("admin", "auditor", "agent")


def claim_groups(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    """The provider groups in the claim: a list of names (or one name); anything else, none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(str(item) for item in value if isinstance(item, (str, int)))
    return frozenset()


def role_for_groups(groups: Iterable[str], group_roles: Mapping[str, str]) -> str | None:
    """The role the user's provider groups give, the strongest if several; None if no group
    is mapped to a role."""
    roles = {group_roles[group] for group in groups if group in group_roles}
    return next((role for role in ROLE_STRENGTH if role in roles), None)


def email_domain_allowed(email: str, domains: Iterable[str]) -> bool:
    """True when no domain list is set, or the e-mail's domain is one of them exactly."""
    allowed = {domain.lower() for domain in domains}
    if not allowed:
        return True
    local, at, domain = email.strip().lower().rpartition("@")
    return bool(local and at) and domain in allowed


def provider_did_mfa(claims: Mapping[str, Any], trusted_acr: Iterable[str]) -> bool:
    """Whether the ID token says the provider checked a second factor: an `amr` with mfa,
    otp or hwk, or an `acr` the admin named as a two-factor level."""
    amr = claims.get("amr")
    if isinstance(amr, list) and MFA_AMR_VALUES.intersection(str(value) for value in amr):
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in set(trusted_acr)
