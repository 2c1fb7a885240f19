from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers import campaign_field, permcache, signals  # noqa: F401  (receivers)
        from customers.cardguard import guard_every_log_handler

        guard_every_log_handler()
