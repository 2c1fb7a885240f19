from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.sandbox import server
from customers.sandbox.records import API_CALL_NAMINGS


class Command(BaseCommand):
    help = "Serve the RevCent sandbox over HTTP on loopback (for benchmarks and manual checks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=9999)
        parser.add_argument("--latency-ms", type=int, default=None)
        parser.add_argument(
            "--nested-customer",
            action="store_true",
            help="Answer GetCustomer with the fields under 'customer' (the older guess) instead "
            "of at the top level as RevCent documents it.",
        )
        parser.add_argument(
            "--api-call-naming",
            choices=sorted(API_CALL_NAMINGS),
            default="ours",
            help="Name GetAPICalls items' fields as contract.py's first guess (ours) or by "
            "other plausible names (other: id, created_date_unix, request_method, "
            "request_endpoint, item_id, no operation).",
        )

    def handle(
        self,
        *args: Any,
        port: int,
        latency_ms: int | None,
        nested_customer: bool,
        api_call_naming: str,
        **options: Any,
    ) -> None:
        httpd, _ = server.start(
            "127.0.0.1",
            port,
            latency_ms,
            nested_customer=nested_customer,
            api_call_naming=api_call_naming,
        )
        self.stdout.write(f"RevCent sandbox on http://127.0.0.1:{port}/v2 (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
