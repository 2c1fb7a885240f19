"""The team roles: which group holds which permissions.

Used by the data migration and by tests (a transactional test flushes the tables a
migration filled, so the same function makes the groups again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; ensure_roles imports the models itself when called
    from django.contrib.auth.models import AnonymousUser, Group, Permission, User

# The permissions the rules check (customers/actions/rules.py), as user.has_perm names them.
CREATE = "customers.create_customer"  # agents: create, and act on existing customers
READ_TRAIL = "customers.view_audit_trail"  # auditors: read customers and the trail
# Who may find and open customers: agents, and auditors following an audit row.
SEE_CUSTOMERS = (CREATE, READ_TRAIL)

AGENTS = "Support agents"
AUDITORS = "Auditors"

# The roles an admin picks from in Admin → Users (and `add_team_member --role`), with what
# each may do. A role is a group, except "admin", which is a superuser (every permission).
ROLE_CHOICES: list[tuple[str, str]] = [
    ("agent", "Support agent: creates customers in RevCent"),
    ("auditor", "Auditor: reads the audit trail and customer pages; cannot create"),
    ("admin", "Admin: everything, including managing the team"),
    ("none", "No role: can sign in, but do nothing"),
]
# Checked in this order when a user is (wrongly) in both groups.
ROLE_GROUPS = {"auditor": AUDITORS, "agent": AGENTS}
ROLE_NAMES = {key: label.split(":")[0] for key, label in ROLE_CHOICES}

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


def role_of(user: User) -> str:
    """The one role (a ROLE_CHOICES key) a user holds; the strongest if several."""
    if user.is_superuser:
        return "admin"
    names = {group.name for group in user.groups.all()}  # prefetch-friendly
    return next((role for role, group in ROLE_GROUPS.items() if group in names), "none")


def role_assign(user: User, role: str) -> None:
    """Give a saved user exactly one role: its group (the other roles' groups removed) and
    superuser status for admins.

    Staff status follows the role too, but only as a mirror: the admin site lets people in
    by their permissions (`may_open_admin`), so no hidden switch can keep an auditor out.
    """
    from django.contrib.auth.models import Group

    user.is_superuser = role == "admin"
    user.is_staff = role == "admin"
    user.save(update_fields=["is_superuser", "is_staff"])
    others = [group for key, group in ROLE_GROUPS.items() if key != role]
    user.groups.remove(*Group.objects.filter(name__in=others))
    if role in ROLE_GROUPS:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))


def may_open_admin(user: User | AnonymousUser) -> bool:
    """Who the admin site lets in: staff as Django has it, and anyone whose role reads the
    audit trail (Auditors), with or without the Staff switch."""
    return user.is_active and (user.is_staff or user.has_perm("customers.view_audit_trail"))


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
