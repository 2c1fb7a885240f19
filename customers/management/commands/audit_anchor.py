from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from customers.management.commands.verify_audit_log import check_trail
from customers.team.roles import AUDITORS

logger = logging.getLogger("supportdesk.audit.anchor")


class Command(BaseCommand):
    help = (
        "Verify the audit trail and send its anchor somewhere the database's writers cannot "
        "reach: the log (always) and, with --email, the auditors' mailboxes. Run on a schedule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", metavar="COUNT:MAC", help="The previous anchor.")
        parser.add_argument(
            "--email", action="store_true", help="Also e-mail the anchor to every auditor."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = check_trail(options["anchor"])
        when = timezone.now().isoformat(timespec="seconds")
        line = f"anchor: {result.head}"
        # WARNING, not INFO: the anchor must reach the log collector whatever LOG_LEVEL is.
        logger.warning("Audit trail verified at %s (%s entries); %s", when, result.checked, line)
        if options["email"]:
            recipients = sorted(
                User.objects.filter(groups__name=AUDITORS, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
                .distinct()
            )
            send_mail(
                subject=f"Support Desk audit anchor {when}",
                message=(
                    f"The audit trail verified at {when}: {result.checked} entries.\n\n"
                    f"Keep this line; the next check can be given it with --anchor:\n{line}\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
            self.stdout.write(f"Sent to {len(recipients)} auditors.")
        self.stdout.write(line)
