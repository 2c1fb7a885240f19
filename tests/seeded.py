"""The sandbox's seeded records (customers/sandbox/seed.py) that tests name: each ID once."""

from __future__ import annotations

# Customers. Jane is no test agent's own create: opening her needs a caller check.
JANE = "SbxCustJaneDoe000001"  # jane@example.com, 555-555-5555, 123 Main St, Miami FL 33101
JANE_TWO = "SbxCustJaneDoeTwo007"  # another Jane Doe: jdoe@example.org, 305-555-0100
JOHN = "SbxCustJohnSmith0002"  # john.smith@example.com, +1 212 555 0147
MARIA = "SbxCustMariaGarcia03"  # María García, +34 912 345 678, Madrid (ESP)

DEFAULT_CAMPAIGN = "SbxCampaignDefault01"

# Customer groups (RevCent's, not the team's roles).
VIP = "SbxGroupVip000000001"
WHOLESALE = "SbxGroupWholesale002"
RETIRED = "SbxGroupRetired00005"  # disabled: never offered, refused if sent
