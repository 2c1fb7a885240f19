"""Assistant tokens for operators and scripts: `create USERNAME --scopes … --days N` prints the
token alone on its last line (so `| tail -n 1` gives it); `revoke PREFIX`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.actions import ActionRefused
from customers.assistant.models import Scope
from customers.assistant.services import assistant_token_create, assistant_token_revoke
from customers.assistant.tokens import DAYS_DEFAULT
from customers.audit import Actor
from customers.models import Channel

COMMAND = Actor(name="manage.py assistant_token", channel=Channel.COMMAND)


class Command(BaseCommand):
    help = "Create or revoke a person's assistant token (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token; printed once, on the last line.")
        create.add_argument("username")
        create.add_argument(
            "--scopes",
            default=Scope.READ.value,
            help=f"Comma-separated: {', '.join(Scope.values)} (default {Scope.READ.value}).",
        )
        create.add_argument("--days", type=int, default=DAYS_DEFAULT)
        create.add_argument("--name", default="made with manage.py")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                self._create(**options)
            else:
                token = assistant_token_revoke(actor=COMMAND, prefix=options["prefix"])
                self.stdout.write(f"Revoked {token.prefix} of {token.user.get_username()}.")
        except ActionRefused as exc:
            raise CommandError(exc.message) from exc

    def _create(self, *, username: str, scopes: str, days: int, name: str, **_: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        token, raw = assistant_token_create(
            actor=COMMAND, name=name, scopes=wanted, days=days, for_user=user
        )
        self.stdout.write(
            f"Token {token.prefix} for {username} ({', '.join(token.scopes)}), works until "
            f"{token.expires_at:%Y-%m-%d %H:%M %Z}. It is shown only now:"
        )
        self.stdout.write(raw)
