from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from customers.sandbox import server


class Command(BaseCommand):
    help = "Serve the RevCent sandbox over HTTP on loopback (for benchmarks and manual checks)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=9999)
        parser.add_argument("--latency-ms", type=int, default=None)

    def handle(self, *args, port: int, latency_ms: int | None, **options) -> None:
        httpd, _ = server.start("127.0.0.1", port, latency_ms)
        self.stdout.write(f"RevCent sandbox on http://127.0.0.1:{port}/v2 (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
