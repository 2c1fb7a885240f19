from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.actions import overview_digest
from customers.audit.overview import MAX_DAYS


def default_site_url() -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
    host = hosts[0].lstrip(".") if hosts else "localhost"
    return f"https://{host}"


class Command(BaseCommand):
    help = (
        "E-mail the team overview's figures for the last N days to every auditor and admin, "
        "with a link to the page; each sending is audited. Meant for a schedule (cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="Days, today included (7).")
        parser.add_argument(
            "--site-url",
            default="",
            help="The app's address for the link (default: https:// and the first of "
            "ALLOWED_HOSTS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be 1 to {MAX_DAYS}.")
        site = options["site_url"] or default_site_url()
        sent = overview_digest(days=days, site_url=site)
        self.stdout.write(f"Sent the {days}-day overview to {sent} auditors and admins.")
