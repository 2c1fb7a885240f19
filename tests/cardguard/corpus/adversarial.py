"""Adversarial text for the card scanner's cost: each shape makes a text of any size out of
one pattern that an attack run (issue 23) or a quadratic scanner would find expensive. Used
by tests/cardguard/test_card_scan_work.py (steps counted) and by `make bench` (timed)."""

from __future__ import annotations

from collections.abc import Callable


def repeated(unit: str, size: int) -> str:
    """unit repeated to exactly size characters."""
    return (unit * (size // len(unit) + 1))[:size]


SHAPES: dict[str, Callable[[int], str]] = {
    "cards in groups": lambda n: repeated("4111 1111 1111 1111 ", n),
    "near-cards in groups": lambda n: repeated("4111 1111 1111 1112 ", n),
    "one-digit groups": lambda n: repeated("4 ", n),
    "long separators": lambda n: repeated("4111 \n\n -- \t1111      ", n),
    "glued digits": lambda n: repeated("4111111111111111", n),
    "one long number": lambda n: repeated("7", n),
    "zero-padded": lambda n: repeated("0", n - 16) + "4111111111111111",
    "dates between digits": lambda n: repeated("2024-12-30 1 ", n),
    "addresses and times": lambda n: repeated("10.0.0.1 7 10:15 ", n),
    "IBANs": lambda n: repeated("DE89 3704 0044 0532 0130 00 ", n),
    "phones": lambda n: repeated("+49 1512 3456789 ", n),
    "tracking numbers": lambda n: repeated("9400 1118 9922 3100 0123 45 ", n),
    "look-alikes": lambda n: repeated("4III llll 1O11 ", n),
    "pipes": lambda n: repeated("4111|1111|", n),
    "percent-encoded": lambda n: repeated("%34%31%31%31%20", n),
    "entities": lambda n: repeated("&#52;111&nbsp;", n),
    "other scripts": lambda n: repeated("٤١١١\u3164١١١١\u0640", n),
}
