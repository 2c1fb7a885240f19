from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.audit import close_abandoned, verify_trail


class Command(BaseCommand):
    help = (
        "Complete audit rows left open by a process that stopped mid-call, as outcome "
        '"unknown" (the call may or may not have reached RevCent), so the chain covers them.'
    )

    def handle(self, *args: Any, **options: Any) -> None:
        abandoned = verify_trail(now=timezone.now()).abandoned
        closed = close_abandoned(abandoned, closer="manage.py audit_close_abandoned")
        self.stdout.write(f"{closed} abandoned audit entries closed as unknown.")
