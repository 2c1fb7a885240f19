"""Which of the request's messages a part of the page shows, and the field a message sends
the agent back to.

Most messages go in the banner at the top of every page (base.html). A few belong beside
what they are about: the caller check's answers beside its form, so that a refusal is read
where the next try would be. Those carry a tag (the views' extra_tags) and the banner
leaves them out. Reading the messages twice in one response is safe: the storage keeps
them until the response is sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.messages.storage.base import Message
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

# Messages shown in their own place on the page, never in the banner.
PLACED_TAGS = ("caller-check",)


def _tags(message: Message) -> list[str]:
    return message.tags.split()


@register.filter
def messages_for_banner(messages: Iterable[Message] | None) -> list[Message]:
    """The messages for the banner: all but those shown in their own place."""
    return [m for m in messages or () if not set(_tags(m)) & set(PLACED_TAGS)]


@register.filter
def messages_tagged(messages: Iterable[Message] | None, tag: str) -> list[Message]:
    """The messages carrying `tag` (one of the views' extra_tags)."""
    return [m for m in messages or () if tag in _tags(m)]


@register.filter
def focused_after(field: BoundField, message_id: str) -> SafeString:
    """The field's input with the focus, described by the message (element `message_id`)
    that sent the agent back to it: a screen reader reads the two together."""
    return field.as_widget(attrs={"autofocus": True, "aria-describedby": message_id})
