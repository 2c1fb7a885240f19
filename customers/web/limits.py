"""How much of a request the app reads at all: caps checked before any other work.

The card guard (customers/cardguard/middleware.py) scans headers, the address, form data and other
bodies before sign-in and CSRF, so without caps anyone, signed out, could make a worker
scan as much text as they care to send. Every request over a cap is refused from what its
headers say (sizes and counts), before any body is read or anything is scanned, so a
refused request costs about what a bare view does. The caps sit far above anything the
app's own pages send (its largest form, the create form with 20 metadata rows filled to
their limits, is under 20 KB) and are listed in README.md, "Security baseline".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # the stubs' type of request.POST; Django has no class by this name
    from django.http.request import _ImmutableQueryDict


MAX_HEADERS = 50
# Each scanned header (every header but Cookie, which is never scanned, shown or stored;
# the server's own limit bounds it), and all of them together.
MAX_HEADER_BYTES = 4 * 1024
MAX_HEADER_BYTES_TOTAL = 16 * 1024
# The path and the query string together (gunicorn's own request-line limit is 4094).
MAX_URL_BYTES = 4 * 1024
# A form's body. Also Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so nothing that parses a body
# reads more. Room for the create form typed in a non-Latin script: a CJK character is nine
# bytes URL-encoded.
MAX_BODY_BYTES = 64 * 1024
# Any other body (JSON for the assistant channel, text): its messages are a few KB, and the
# whole of it is scanned.
MAX_OTHER_BODY_BYTES = 16 * 1024
# Any body sent signed out: the pages that take one (sign-in, password reset) send under
# 1 KB, and no one need sign in to make the app scan 64 KB.
MAX_SIGNED_OUT_FORM_BYTES = 8 * 1024
# One form or query field, its name or any of its values; our own forms' limits are far
# lower (customers/contact.py, customers/forms/), Django admin's _changelist_filters (a
# query string) needs up to MAX_URL_BYTES.
MAX_FIELD_CHARS = 4 * 1024

UNSCANNED_HEADERS = frozenset({"HTTP_COOKIE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


HEADERS_TOO_BIG = Refusal(431, "Request header fields too large.")
URL_TOO_LONG = Refusal(414, "The page address is too long.")
BODY_TOO_BIG = Refusal(413, "The request is too large.")
FIELD_TOO_LONG = Refusal(413, "A field of the request is too long.")


def request_over_caps(meta: Mapping[str, object]) -> Refusal | None:
    """Which cap a request breaks, from its WSGI environ alone (nothing is read or scanned),
    or None."""
    headers = [(k, v) for k, v in meta.items() if k.startswith("HTTP_") and isinstance(v, str)]
    scanned = [len(value) for key, value in headers if key not in UNSCANNED_HEADERS]
    if (
        len(headers) > MAX_HEADERS
        or any(size > MAX_HEADER_BYTES for size in scanned)
        or sum(scanned) > MAX_HEADER_BYTES_TOTAL
    ):
        return HEADERS_TOO_BIG
    url = str(meta.get("PATH_INFO", "")) + str(meta.get("QUERY_STRING", ""))
    if len(url) > MAX_URL_BYTES:
        return URL_TOO_LONG
    length = _content_length(meta)
    if length > MAX_BODY_BYTES or (length > MAX_OTHER_BODY_BYTES and not _is_form(meta)):
        return BODY_TOO_BIG
    return None


def signed_out_body_over_cap(meta: Mapping[str, object]) -> bool:
    """Whether a signed-out request's form body is over MAX_SIGNED_OUT_FORM_BYTES (checked
    once the user is known, still before anything reads the body)."""
    return _is_form(meta) and _content_length(meta) > MAX_SIGNED_OUT_FORM_BYTES


def _is_form(meta: Mapping[str, object]) -> bool:
    content_type = str(meta.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    return content_type in FORM_TYPES


def _content_length(meta: Mapping[str, object]) -> int:
    # Django reads no more than this many bytes of a body, and none without it (as it does
    # with a value it cannot read), so it bounds every read that follows.
    try:
        return int(str(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def field_name_too_long(names: Iterable[str]) -> bool:
    """Whether any field name is over MAX_FIELD_CHARS: no form of ours has such a field."""
    return any(len(name) > MAX_FIELD_CHARS for name in names)


def values_cut(data: _ImmutableQueryDict) -> _ImmutableQueryDict:
    """The form data with every value cut to MAX_FIELD_CHARS, before any scan reads it. No
    form of ours takes that many characters in a field, so the form still says beside the
    field that it is too long, and keeps everything else the agent typed."""
    if not any(len(value) > MAX_FIELD_CHARS for _, values in data.lists() for value in values):
        return data
    cut = data.copy()
    for key, values in data.lists():
        cut.setlist(key, [value[:MAX_FIELD_CHARS] for value in values])
    cut._mutable = False
    return cast("_ImmutableQueryDict", cut)  # immutable again, like the original
