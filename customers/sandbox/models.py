"""The sandbox's own state: what a RevCent account would hold.

It lives in the database so it survives restarts and is shared by every worker. Nothing
else in the app reads these tables: the app only sees the sandbox through the RevCent
client, exactly as it would see RevCent.
"""

from __future__ import annotations

import re

from django.db import models


class SandboxCampaign(models.Model):
    id = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class SandboxGroup(models.Model):
    id = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    enabled = models.BooleanField(default=True)
    created_unix = models.BigIntegerField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SandboxCustomer(models.Model):
    id = models.CharField(max_length=20, primary_key=True)
    created_unix = models.BigIntegerField(db_index=True)
    enabled = models.BooleanField(default=True)
    campaign = models.ForeignKey(SandboxCampaign, on_delete=models.PROTECT)
    first_name = models.CharField(max_length=255)
    last_name = models.CharField(max_length=255)
    email = models.CharField(max_length=255)
    phone = models.CharField(max_length=255, blank=True)
    company = models.CharField(max_length=255, blank=True)
    address_line_1 = models.CharField(max_length=255, blank=True)
    address_line_2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=255, blank=True)
    zip = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=3, blank=True)
    internal_id = models.CharField(max_length=255, blank=True)
    bill_to = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=list, blank=True)
    groups = models.ManyToManyField(SandboxGroup, blank=True, related_name="customers")
    # Lower-cased searchable text and the phone's digits, so search is one indexed query.
    search_text = models.TextField(blank=True)
    phone_digits = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_unix", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    def index(self) -> None:
        """Fill the search columns: RevCent searches these fields."""
        values = [
            self.id,
            self.first_name,
            self.last_name,
            self.email,
            self.phone,
            self.address_line_1,
            self.internal_id,
            *(str(item.get("value", "")) for item in self.metadata),
        ]
        self.search_text = " ".join(v.lower() for v in values if v)
        self.phone_digits = re.sub(r"\D", "", self.phone or "")


class SandboxNote(models.Model):
    """A note on a customer (CreateNote), as GetCustomer's `notes` returns it."""

    id = models.CharField(max_length=20, primary_key=True)
    customer = models.ForeignKey(SandboxCustomer, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=255)
    created_unix = models.BigIntegerField()

    class Meta:
        ordering = ["created_unix", "id"]

    def __str__(self) -> str:
        return self.text


class SandboxCard(models.Model):
    """A card added through the sandbox's hosted card form: never the number itself."""

    id = models.CharField(max_length=20, primary_key=True)
    customer = models.ForeignKey(SandboxCustomer, on_delete=models.CASCADE, related_name="cards")
    brand = models.CharField(max_length=20)
    last_4 = models.CharField(max_length=4)
    expiry_date = models.CharField(max_length=5)  # MM/YY, as RevCent's card summary
    is_default = models.BooleanField(default=False)
    created_unix = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last_4}"


class SandboxApiCall(models.Model):
    """RevCent records every API call it serves (GetAPICalls); so does the sandbox. Lets an
    auditor, or the benchmark, check that every upstream call has its audit row."""

    api_call_id = models.CharField(max_length=20, primary_key=True)
    api_call_unix = models.BigIntegerField(db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    # What GetAPICalls reports of the call: its operation, code, and the customer made.
    operation = models.CharField(max_length=40, blank=True)
    code = models.SmallIntegerField(null=True, blank=True)
    customer_id = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status} ({self.api_call_id})"
