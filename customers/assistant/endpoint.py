"""/assistant/mcp: MCP over Streamable HTTP as an ordinary Django view, stateless.

Per request, before the SDK reads anything: the Origin (403), the bearer token (401 with
RFC 9728's resource_metadata), the tool's scope (403 insufficient_scope), the card guard and
a strict argument check on the JSON-RPC body (tool errors naming argument paths only), and
the token's limits. Then a throwaway stateless session manager from the `mcp` SDK answers
the one exchange as JSON, and one audit row records the tool call (its argument names, never
their values). Nothing about a conversation stays in this process: an elicitation's state
travels sealed in the request (server.py), so any app server answers any request.

Why our own view and not django-stateless-mcp: see the README's dependency notes.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl

from customers.assistant import calls
from customers.assistant.caller import CALLER, Caller, new_request_id
from customers.assistant.guard import ArgumentChecker, Call, card_number_paths, read_call
from customers.assistant.models import Scope
from customers.assistant.server import TOOL_SCOPES, server
from customers.assistant.tokens import check_token, token_allows
from customers.cardguard.guard import guards_own_body
from customers.web.limits import MAX_OTHER_BODY_BYTES

MCP_PATH = "/assistant/mcp"
_checker: ArgumentChecker | None = None


def _arguments_checker() -> ArgumentChecker:
    global _checker
    if _checker is None:  # the tools' schemas never change while the process runs
        listed = async_to_sync(server.list_tools)()
        _checker = ArgumentChecker({tool.name: tool.input_schema for tool in listed})
    return _checker


def resource_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(MCP_PATH)


def _challenge(
    request: HttpRequest, status: int, error: str, says: str, scope: str = ""
) -> HttpResponse:
    metadata = build_resource_metadata_url(AnyHttpUrl(resource_url(request)))
    params = [f'error="{error}"', f'error_description="{says}"']
    if scope:
        params.append(f'scope="{scope}"')
    params.append(f'resource_metadata="{metadata}"')
    response = JsonResponse({"error": error, "error_description": says}, status=status)
    response["WWW-Authenticate"] = "Bearer " + ", ".join(params)
    return response


def _origin_allowed(request: HttpRequest) -> bool:
    """No Origin: not a browser (MCP clients send none). A browser's must be ours or trusted,
    so a web page cannot drive an agent's token through their own browser (DNS rebinding)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def _tool_error(request: HttpRequest, call: Call, text: str) -> JsonResponse:
    """A tool's refusal as the model reads it (isError), not a protocol error."""
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}], "isError": True}
    if request.headers.get("MCP-Protocol-Version", "") >= "2026-07-28":
        result["resultType"] = "complete"
    if call.method != "tools/call":
        error = {"code": -32602, "message": text}
        return JsonResponse({"jsonrpc": "2.0", "id": call.id, "error": error})
    return JsonResponse({"jsonrpc": "2.0", "id": call.id, "result": result})


@csrf_exempt  # bearer tokens only: no cookie is ever read here, so there is nothing to forge
@login_not_required  # the token is the sign-in: 401, not a redirect to the login page
@guards_own_body  # the card guard runs below, per argument, answering as MCP expects
def mcp_endpoint(request: HttpRequest) -> HttpResponse:
    """A plain (sync) view: the checks before the SDK and the audit row after it run on the
    request's own thread, and only the SDK's exchange runs in an event loop (one
    async_to_sync; the tools come back to this thread for the ORM). An async view would
    cost two more trips between threads per call, for nothing the SDK needs."""
    if not _origin_allowed(request):
        error = {"code": -32600, "message": "Origin not allowed"}
        return JsonResponse({"jsonrpc": "2.0", "id": None, "error": error}, status=403)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    admitted = _admit(request, _arguments_checker())
    if isinstance(admitted, HttpResponse):
        return admitted
    caller, call = admitted
    collected = async_to_sync(_serve)(request, caller)
    if call is not None and call.method == "tools/call":
        calls.tool_answered(caller, call, bytes(collected.body))
    return collected.response()


def _admit(
    request: HttpRequest, checker: ArgumentChecker
) -> HttpResponse | tuple[Caller, Call | None]:
    """Who calls (the bearer token, checked now), then what they ask, refused before the SDK
    reads it when it is not theirs to ask, holds a card number, does not fit the tool or is
    over a limit. Every refusal is audited."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header[:7].lower() == "bearer " else ""
    checked = check_token(raw) if raw else None
    if checked is None or checked.token is None:
        if checked is not None:
            calls.refused(request, checked.refusal, prefix=checked.prefix)
        return _challenge(
            request, 401, "invalid_token", "Missing, unknown, expired or revoked token"
        )
    site = request.build_absolute_uri("/").rstrip("/")
    caller = Caller(token=checked.token, request_id=new_request_id(), site_url=site)
    call = read_call(request.body)
    refused = _refusal(request, caller, call, checker) if call is not None else None
    return refused or (caller, call)


def _refusal(
    request: HttpRequest, caller: Caller, call: Call, checker: ArgumentChecker
) -> HttpResponse | None:
    scope = TOOL_SCOPES.get(call.tool)
    if scope is not None and not token_allows(caller.token, scope):
        calls.refused(request, f"no {scope} scope", prefix=caller.token.prefix, tool=call.tool)
        says = f"This call needs the {scope} scope"
        return _challenge(request, 403, "insufficient_scope", says, scope=scope)
    paths = card_number_paths(call)
    if paths:
        calls.card_number_refused(caller, call, paths)
        return _tool_error(
            request,
            call,
            f"Refused: {', '.join(paths)} looks like a payment card number. Card numbers are "
            "never taken here: send the customer a card link. Nothing was kept.",
        )
    problems = checker.problems(call)
    if problems:
        calls.tool_called(caller, call, outcome="refused", detail="invalid arguments")
        return _tool_error(request, call, "Invalid arguments: " + "; ".join(problems))
    over = calls.over_limit(caller, call)
    if over:
        calls.tool_called(caller, call, outcome="refused", detail="over a limit")
        return _tool_error(request, call, over)
    if call.method == "subscriptions/listen":
        # Not offered: a WSGI worker cannot hold a stream (the SDK would start no response).
        error = {"code": -32601, "message": "Method not found"}
        return JsonResponse({"jsonrpc": "2.0", "id": call.id, "error": error}, status=404)
    return None


class _Collected:
    """The SDK's ASGI answer, gathered into one Django response (JSON mode: one body)."""

    def __init__(self) -> None:
        self.status = 500
        self.started = False
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status, self.started = message["status"], True
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))

    def response(self) -> HttpResponse:
        if not self.started:
            error = {"code": -32603, "message": "Internal error"}
            return JsonResponse({"jsonrpc": "2.0", "id": None, "error": error}, status=500)
        response = HttpResponse(bytes(self.body), status=self.status)
        for key, value in self.headers:
            if key.lower() != b"content-length":
                response[key.decode("latin-1")] = value.decode("latin-1")
        return response


def _asgi_scope(request: HttpRequest, user: AuthenticatedUser) -> dict[str, Any]:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "server": (request.get_host(), int(request.get_port() or 0)),
        "user": user,
        "auth": None,
        "state": {},
    }


async def _serve(request: HttpRequest, caller: Caller) -> _Collected:
    body = request.body
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    token = caller.token
    # The SDK binds sealed requestState to (client_id, iss, subject): to this very token.
    access = AccessToken(
        token="-",  # the secret itself is not needed past this point
        client_id=f"assistant-token:{token.prefix}",
        subject=f"user:{token.user_id}",
        scopes=list(token.scopes),
        expires_at=int(token.expires_at.timestamp()),
        claims={"iss": "supportdesk"},
    )
    user = AuthenticatedUser(access)
    manager = StreamableHTTPSessionManager(
        app=server._lowlevel_server,  # the one private name we use; mcp is pinned to 2.3.x
        json_response=True,
        stateless=True,
        # Host is Django's ALLOWED_HOSTS; Origin was checked above.
        security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        # A JSON body over this never gets here (RequestLimitsMiddleware: 413).
        max_request_body_size=MAX_OTHER_BODY_BYTES,
    )
    collected = _Collected()
    auth = auth_context_var.set(user)
    who = CALLER.set(caller)
    try:
        async with manager.run():
            await manager.handle_request(_asgi_scope(request, user), receive, collected.send)
    finally:
        CALLER.reset(who)
        auth_context_var.reset(auth)
    return collected


@login_not_required
def protected_resource_metadata(request: HttpRequest) -> JsonResponse:
    """RFC 9728: what this resource is and which scopes it knows. The authorization server is
    this site for now (tokens made on its own page); an OAuth server can be named here later."""
    site = request.build_absolute_uri("/").rstrip("/")
    return JsonResponse(
        {
            "resource": resource_url(request),
            "authorization_servers": [site],
            "scopes_supported": list(Scope.values),
            "bearer_methods_supported": ["header"],
            "resource_name": "Support Desk assistant channel",
            "resource_documentation": f"{site}/assistant/tokens/",
        }
    )
