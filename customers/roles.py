"""The team roles: which group holds which permissions.

Used by the data migration and by tests (a transactional test flushes the tables a
migration filled, so the same function makes the groups again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; ensure_roles imports the models itself when called
    from django.contrib.auth.models import AnonymousUser, Group, Permission, User

AGENTS = "Support agents"
AUDITORS = "Auditors"

# (app_label, codename) pairs; each must exist once migrations have run.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    AGENTS: [("customers", "create_customer")],
    AUDITORS: [
        ("customers", "view_audit_trail"),
        ("customers", "view_auditentry"),
        ("customers", "export_audit_trail"),
    ],
}


def ensure_roles(
    group_model: type[Group] | None = None,
    permission_model: type[Permission] | None = None,
    *,
    strict: bool = True,
) -> None:
    """Create the groups and give them exactly their permissions; safe to run again.

    Migrations pass strict=False: an early migration runs before later models (and so their
    permissions) exist, and the migration that adds them calls this again.
    """
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = permission_model.objects.filter(
            content_type__app_label__in={app for app, _ in perms},
            codename__in={codename for _, codename in perms},
        )
        if strict and wanted.count() != len(perms):
            raise LookupError(f"Missing permissions for {name}: run migrations first.")
        group.permissions.set(wanted)


def role_label(user: User | AnonymousUser) -> str:
    """The role shown beside the user's name in the header."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "Admin"
    return ", ".join(sorted(group_names(user))) or "No role"


def group_names(user: User) -> frozenset[str]:
    """The names of the user's groups, read once per user object.

    The signed-in user is loaded afresh for every request, so this is one query per request
    however many places ask (the second-factor rule, the header's role).
    """
    names = getattr(user, "_group_names_read", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_group_names_read", names)  # noqa: B010 - an attribute User does not declare
    return names
