"""Shared by the migrations that add permissions a role needs."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

from customers.team.roles import ensure_roles


def make_roles(apps, schema_editor):
    # Permissions are normally made after all migrations (post_migrate); make them now so
    # the groups can be given theirs in the same run.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )
