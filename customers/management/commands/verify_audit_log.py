from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from customers.audit import verify_chain
from customers.models import AuditEntry


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; exit non-zero naming the first row that fails."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(
                f"Audit entry {problem.entry_id} (chain position {problem.chain_seq}) does not "
                f"verify: {problem.reason}. {checked} entries before it verified."
            )
        open_rows = AuditEntry.objects.filter(completed_at=None).count()
        self.stdout.write(self.style.SUCCESS(f"{checked} audit entries verified."))
        if open_rows:
            self.stdout.write(
                f"{open_rows} entries have no result yet (a call in progress, or a process "
                "that stopped mid-call: outcome unknown); they join the chain when completed."
            )
