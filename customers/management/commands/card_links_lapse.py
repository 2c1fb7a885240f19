from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.existing.cardlinks import card_links_lapse


class Command(BaseCommand):
    help = (
        "Record on the audit trail each card link whose time ran out without a card (and that "
        "no agent expired), once per link; running it again records nothing new. Meant for a "
        "schedule (cron), e.g. hourly; the team overview also runs it when it is read."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        recorded = card_links_lapse(now=timezone.now())
        self.stdout.write(f"{recorded} card links recorded as lapsed unused.")
