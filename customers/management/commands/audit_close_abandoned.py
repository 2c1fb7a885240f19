from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.audit import close_abandoned
from customers.audit.verify import abandoned_entries, forged_open_entries


class Command(BaseCommand):
    help = (
        "Complete audit rows left open by a process that stopped mid-call, as outcome "
        '"unknown" (the call may or may not have reached RevCent), so the chain covers them. '
        "Open rows the app did not sign when it opened them are left as they are, named, and "
        "the command exits non-zero."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Only the open rows are read: no need to walk the whole chain to find them.
        abandoned = abandoned_entries(timezone.now())
        closed = close_abandoned(abandoned, closer="manage.py audit_close_abandoned")
        self.stdout.write(f"{closed} abandoned audit entries closed as unknown.")
        forged = forged_open_entries()
        if forged:
            named = "\n".join(f"Audit entry {pk} {problem}." for pk, problem in forged[:20])
            raise CommandError(
                f"{len(forged)} open audit entries were not opened by the app, so they were "
                f"left open, not closed:\n{named}\nFind out who wrote them; verify_audit_log "
                "names them as forged until they are dealt with."
            )
