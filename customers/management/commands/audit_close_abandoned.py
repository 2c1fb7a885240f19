from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.audit import close_abandoned
from customers.audit.verify import abandoned_entries


class Command(BaseCommand):
    help = (
        "Complete audit rows left open by a process that stopped mid-call, as outcome "
        '"unknown" (the call may or may not have reached RevCent), so the chain covers them.'
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Only the open rows are read: no need to walk the whole chain to find them.
        abandoned = abandoned_entries(timezone.now())
        closed = close_abandoned(abandoned, closer="manage.py audit_close_abandoned")
        self.stdout.write(f"{closed} abandoned audit entries closed as unknown.")
