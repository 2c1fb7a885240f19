from __future__ import annotations

from django.db import migrations

from customers.migrations import _role_migration


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(_role_migration.make_roles, migrations.RunPython.noop)]
