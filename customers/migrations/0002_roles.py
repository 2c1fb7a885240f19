from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

from customers.roles import ensure_roles


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


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
