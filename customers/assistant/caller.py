"""Who is calling the assistant channel (set by the endpoint for the one request it serves),
and the keys that seal an elicitation's state so any app server can carry it on."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from mcp.server.request_state import AESGCMRequestStateCodec

from customers.assistant.models import AssistantToken
from customers.audit import Actor
from customers.models import Channel


@dataclass(frozen=True)
class Caller:
    """Who this call is: set by the endpoint for the one request it serves."""

    token: AssistantToken
    request_id: str
    site_url: str  # where links in answers point, e.g. "https://support.example.com"

    def actor(self) -> Actor:
        return Actor(
            user=self.token.user,
            request_id=self.request_id,
            channel=Channel.ASSISTANT,
            token_prefix=self.token.prefix,
        )


CALLER: ContextVar[Caller] = ContextVar("assistant_caller")


class SettingsKeyCodec:
    """The SDK's AES-GCM sealing under keys derived from SECRET_KEY (and each old one, for
    rotation), so every app server opens state any other one sealed. Built at first use, not
    at import: settings may not be complete yet when the URLs are loaded."""

    LABEL = b"supportdesk/assistant/request-state/v1"

    def __init__(self) -> None:
        self._codec: AESGCMRequestStateCodec | None = None

    def _ready(self) -> AESGCMRequestStateCodec:
        if self._codec is None:
            secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
            keys = [hmac.new(key.encode(), self.LABEL, hashlib.sha256).digest() for key in secrets]
            self._codec = AESGCMRequestStateCodec(keys)
        return self._codec

    def seal(self, payload: bytes) -> str:
        return self._ready().seal(payload)

    def unseal(self, token: str) -> bytes:
        return self._ready().unseal(token)


def new_request_id() -> str:
    return "mcp-" + uuid.uuid4().hex[:20]
