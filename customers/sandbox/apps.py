from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "customers.sandbox"
    label = "sandbox"
    verbose_name = "RevCent sandbox"

    def ready(self) -> None:
        # The client never imports the sandbox (the sandbox imports RevCent's contract):
        # the sandbox offers itself to the client's factory instead.
        from customers.revcent import register_sandbox_transport
        from customers.sandbox.transport import SandboxTransport

        register_sandbox_transport(SandboxTransport)
