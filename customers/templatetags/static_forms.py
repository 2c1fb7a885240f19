"""Template filters for form HTML that is the same on every request (customers/forms/html.py
renders it once per process).

Use them only for fields whose choices never change between requests: a select filled from
the database must be rendered by `{{ field }}` or partials/field.html every time.
"""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from customers.forms.html import field_row, hidden_form, widget

register = template.Library()


@register.filter
def static_row(field: forms.BoundField) -> SafeString:
    return field_row(field)


@register.filter
def static_widget(field: forms.BoundField) -> SafeString:
    return widget(field)


@register.filter
def static_hidden_form(form: forms.BaseForm) -> SafeString:
    return hidden_form(form)
