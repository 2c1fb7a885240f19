from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from customers.audit.keptcheck import check_kept
from customers.audit.overview import MAX_DAYS
from customers.audit.settled import forget_kept


class Command(BaseCommand):
    help = (
        "Check the team overview's kept figures (the cache) against the audit trail, for the "
        "last N days in every zone the team reads in. On a difference: name it, drop every "
        "kept figure (the page counts them again from the trail) and exit non-zero. "
        "--rebuild drops them first. Meant for a schedule (daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Days, today included (30).")
        parser.add_argument(
            "--rebuild", action="store_true", help="Drop the kept figures, then count anew."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be 1 to {MAX_DAYS}.")
        if options["rebuild"]:
            forget_kept()
        zones, differences = check_kept(days=days, now=timezone.now())
        if differences:
            forget_kept()
            listed = "\n".join(differences[:50])
            rows = f"{len(differences)} row{'s' if len(differences) != 1 else ''}"
            raise CommandError(
                f"The overview's kept figures differed from the audit trail in {rows}:\n"
                f"{listed}\nThey were dropped: the page counts them again from the trail. "
                "Find out how they came to differ (a changed trail fails "
                "verify_audit_log; a shared cache others can write to is the other way)."
            )
        self.stdout.write(
            f"The overview's figures for the last {days} days equal the audit trail's, in "
            f"{zones} time zone{'s' if zones != 1 else ''}."
        )
