"""Test data for the card-number guard: card numbers as people paste them (cards.py) and
real values that are not card numbers (noncards.py)."""
