from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.team.roles import ROLE_CHOICES, role_assign

ROLES = tuple(key for key, _ in ROLE_CHOICES if key != "none")


class Command(BaseCommand):
    help = (
        "Create a team member with a role, for first-time set-up. The password is asked for "
        "at a prompt, never taken from the command line (it would stay in shell history)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, username: str, role: str, email: str, **options: Any) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"{username!r} already exists; manage them in Django admin.")
        user = user_model(username=username, email=email)
        password = self._ask_password(user)
        user.set_password(password)
        user.save()
        # The same rule as Admin → Users: the role gives the group, or superuser for admins.
        role_assign(user, role)
        self.stdout.write(
            self.style.SUCCESS(f"Created {role} {username!r}.")
            + (" They set up two-factor sign-in at first sign-in." if role != "agent" else "")
        )

    def _ask_password(self, user: User) -> str:
        for _ in range(3):
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords differ; try again.")
                continue
            try:
                password_validation.validate_password(first, user)
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return first
        raise CommandError("No password set; nothing was created.")
