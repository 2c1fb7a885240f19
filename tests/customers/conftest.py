"""Fixtures shared by the customer tests."""

from __future__ import annotations

import logging
import sys

import pytest

from customers.sandbox.transport import SandboxTransport


class _CurrentStderr:
    """Writes to whatever sys.stderr is now: capsys's, while a test runs."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def logs(caplog, capsys):
    """Every logger at DEBUG into caplog, and the root handlers' streams into capsys.

    Returns a function that reads what the root handlers wrote so far.
    """
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        if isinstance(logging.root.manager.loggerDict[name], logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    swapped = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith(
            "_pytest"
        ):
            swapped.append((handler, handler.setStream(_CurrentStderr())))
    written: list[str] = []

    def read() -> str:
        captured = capsys.readouterr()
        written.append(captured.out + captured.err)
        return "".join(written)

    yield read
    for handler, original in swapped:
        handler.setStream(original)


@pytest.fixture
def upstream(monkeypatch) -> list[str]:
    """Every request the app sends to (the sandbox standing in for) RevCent, as text."""
    sent: list[str] = []
    original = SandboxTransport.handle_request

    def recording(self, request):
        sent.append(str(request.url) + " " + request.content.decode(errors="replace"))
        return original(self, request)

    monkeypatch.setattr(SandboxTransport, "handle_request", recording)
    return sent
