from __future__ import annotations

from django.db import models


class Role(models.Model):
    """Anchor for the app-wide permissions that the team roles are made of.

    It stores no rows (unmanaged, no table): Django attaches permissions to a model, and
    these belong to no single one. `customers.roles` grants them to the groups.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("create_customer", "Can create customers in RevCent"),
            ("view_audit_trail", "Can read the audit trail"),
        ]

    def __str__(self) -> str:
        return "Support Desk roles"
