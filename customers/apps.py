from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers.cardguard.guard import guard_every_log_handler
        from customers.forms import campaign  # noqa: F401  (receivers)
        from customers.team import permcache, signals  # noqa: F401  (receivers)

        guard_every_log_handler()
