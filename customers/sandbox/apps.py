from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "customers.sandbox"
    label = "sandbox"
    verbose_name = "RevCent sandbox"
