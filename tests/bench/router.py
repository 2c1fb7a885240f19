"""The bench's database router: the sandbox's models live in the stand-in's own database.

Active only when run.sh gives the stand-in a PostgreSQL server of its own
(BENCH_STANDIN_DATABASE_URL; tests/bench/settings.py).
"""

from __future__ import annotations

from typing import Any

STANDIN_APP = "sandbox"


class StandInRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "standin" if model._meta.app_label == STANDIN_APP else None

    db_for_write = db_for_read

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return (db == "standin") == (app_label == STANDIN_APP)
