from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from customers.audit import Anchor, Verification, verify_trail


def check_trail(anchor_text: str | None) -> Verification:
    """Verify the trail, raising CommandError naming every problem found."""
    try:
        anchor = Anchor.parse(anchor_text) if anchor_text else None
    except ValueError as exc:
        raise CommandError(f"--anchor: {exc}") from None
    result = verify_trail(anchor=anchor)
    lines = [str(problem) for problem in result.problems]
    if result.abandoned:
        shown = ", ".join(str(pk) for pk in result.abandoned[:10])
        more = " …" if len(result.abandoned) > 10 else ""
        lines.append(
            f"{len(result.abandoned)} abandoned entries: open longer than any call can take, "
            f"so the process making the call stopped (entries {shown}{more}). Review them, "
            "then close them with `manage.py audit_close_abandoned`."
        )
    if lines:
        lines.append(f"{result.checked} entries verified before the first problem.")
        raise CommandError("The audit trail does not verify.\n" + "\n".join(lines))
    return result


class Command(BaseCommand):
    help = (
        "Verify the audit trail's signed chain, and that it extends a previous anchor; print "
        "a new anchor (last line) to keep outside the database. Exit non-zero naming each problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            metavar="COUNT:MAC",
            help="The anchor a previous run printed: the trail must still contain it unchanged.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = check_trail(options["anchor"])
        self.stdout.write(self.style.SUCCESS(f"{result.checked} audit entries verified."))
        self.stdout.write(f"anchor time: {timezone.now().isoformat(timespec='seconds')}")
        # The last line, in the form --anchor takes back.
        self.stdout.write(f"anchor: {result.head}")
