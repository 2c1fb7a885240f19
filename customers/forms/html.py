"""Form HTML that is the same on every request, rendered once per process.

An empty form looks the same every time: no value typed, no error. Rendering its fields
through the template engine (a template per field row, another per widget) was most of the
New customer page's time, so the rows and widgets of empty forms are kept after their first
rendering. A bound form (what the agent typed, its errors) is always rendered afresh. The key
holds each field's initial value, so an empty form with other initial values (a management
form counting other rows) is its own entry; the number of entries is bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from html import escape
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

FIELD_TEMPLATE = "partials/field.html"
MAX_ENTRIES = 256

_rendered: dict[Hashable, SafeString] = {}


def _key(form: forms.BaseForm, what: str, names: tuple[str, ...]) -> Hashable | None:
    """The cache key of these fields of this form; None if they must be rendered afresh."""
    if form.is_bound:
        return None
    initial = tuple(repr(form[name].value()) for name in names)
    return (type(form), form.prefix, form.auto_id, what, names, initial)


def _once(key: Hashable | None, render: Callable[[], str]) -> SafeString:
    if key is None:
        return mark_safe(render())  # the templates escaped every value
    html = _rendered.get(key)
    if html is None:
        html = mark_safe(render())
        if len(_rendered) < MAX_ENTRIES:
            _rendered[key] = html
    return html


def field_rows(form: forms.BaseForm, names: tuple[str, ...]) -> SafeString:
    """Each field as partials/field.html renders it: label, input, help and errors."""
    return _once(
        _key(form, "rows", names),
        lambda: "".join(render_to_string(FIELD_TEMPLATE, {"field": form[n]}) for n in names),
    )


def field_row(field: forms.BoundField) -> SafeString:
    return field_rows(field.form, (field.name,))


def widget(field: forms.BoundField) -> SafeString:
    """The field's input alone."""
    return _once(_key(field.form, "widget", (field.name,)), lambda: str(field))


def hidden_form(form: forms.BaseForm) -> SafeString:
    """A form of hidden inputs only, such as a formset's management form."""
    names = tuple(form.fields)
    return _once(_key(form, "hidden", names), lambda: "".join(str(form[n]) for n in names))


def options_html(choices: Iterable[tuple[Any, Any]], chosen: str | None) -> SafeString:
    """<option>s for (value, label) pairs, the one whose value is `chosen` (if any)
    selected, every value and label escaped. Written in one pass: through the template
    engine (a template per option) a few hundred agents cost tens of milliseconds a page."""
    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def with_chosen(options: str, chosen: str) -> SafeString:
    """options_html's output, written once with none chosen and kept, with the option whose
    value is `chosen` selected."""
    unchosen = f'<option value="{escape(chosen)}">'
    return mark_safe(options.replace(unchosen, unchosen[:-1] + " selected>", 1))  # noqa: S308


class OnePassSelect(forms.Select):
    """A single-choice <select> written by options_html, with the attributes Django gives
    its own (id, required, aria-describedby…), for long lists such as the team's agents."""

    def options_for(self, chosen: str) -> str:
        """The <option>s, the one whose value is `chosen` selected (a subclass may keep them
        written and mark the chosen one with with_chosen)."""
        return options_html(self.choices, chosen)

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        chosen = (self.format_value(value) or [""])[0]
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = self.options_for(chosen)
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped
