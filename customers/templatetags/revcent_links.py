"""Links into RevCent's own web app (its addresses live in customers/revcent/contract.py)."""

from __future__ import annotations

from django import template

from customers.revcent import contract

register = template.Library()


@register.filter
def revcent_dashboard_url(customer_id: str) -> str:
    """The customer's page in RevCent's dashboard; "" for something that is not an ID."""
    return contract.dashboard_customer_url(customer_id)
