"""Contact values as people read them, for templates (the rules live in customers/contact.py)."""

from __future__ import annotations

from django import template

from customers.contact import country_name as _country_name

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """ "Spain" for "ESP"."""
    return _country_name(code or "")
