from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from customers.models import Campaign
from customers.sandbox.seed import CAMPAIGNS, ensure_seeded
from customers.team.mfa import DEMO_USERNAMES
from customers.team.roles import role_assign


def ensure_demo_accounts(password: str) -> None:
    user_model = get_user_model()
    for username in sorted(DEMO_USERNAMES):  # each has the role of its name
        user, _ = user_model.objects.get_or_create(username=username)
        user.is_active = True
        user.set_password(password)
        user.save()
        role_assign(user, username)


def ensure_demo_campaigns() -> None:
    """The sandbox's campaigns, offered to agents; the first is the default."""
    for index, (revcent_id, name) in enumerate(CAMPAIGNS):
        Campaign.objects.get_or_create(
            revcent_id=revcent_id,
            defaults={"name": name, "active": True, "is_default": index == 0},
        )


class Command(BaseCommand):
    help = "Before `make run`: in sandbox mode, make the demo accounts; print where to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        url = f"http://127.0.0.1:{port}/"
        if not settings.REVCENT_SANDBOX:
            # Known passwords next to a live RevCent key would be a back door.
            self.stdout.write(f"\nSupport Desk (RevCent at {settings.REVCENT_BASE_URL}): {url}\n")
            self.stdout.write("No demo accounts outside sandbox mode; use your own login.\n\n")
            return
        ensure_demo_accounts(settings.DEMO_PASSWORD)
        ensure_seeded()
        ensure_demo_campaigns()
        shown = (
            settings.DEMO_PASSWORD
            if settings.DEMO_PASSWORD == settings.DEMO_PASSWORD_DEFAULT
            else "the DEMO_PASSWORD you set"
        )
        self.stdout.write(
            f"\nSupport Desk, SANDBOX mode (no RevCent API key): {url}\n"
            f"  Sign in as agent / auditor / admin, password: {shown}\n\n"
        )
