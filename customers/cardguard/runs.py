"""Digit groups and the runs they form, as customers/cardguard/scan.py searches them.

A run is digit groups joined by anything but letters (any number of characters); how each
pair of groups is joined is kept (its kind when 1-3 characters long), so the scan can tell
a card's printed layout from numbers that only happen to be near each other. Each run's
digits come in one string with what the searches ask of them in constant time: which group
a digit is in, where a group ends, and Luhn for any window (from prefix sums).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat

from customers.cardguard.shapes import set_aside

_SHORT_GAP = 3
_GROUP = re.compile(r"\d+")
_WORD_CHAR = re.compile(r"[^\W\d_]")  # a letter (digits are never in a gap)
_HORIZONTAL_SPACE = str.maketrans("", "", " \t")
_PHONE_START = re.compile(r"[^+]\+$")


@dataclass
class Run:
    """Digit groups joined by non-letters. gaps[k] is what joins group k to k + 1: its kind
    (the characters without horizontal spaces) when 1-3 characters long, else None."""

    starts: list[int] = field(default_factory=list)  # in the read text
    ends: list[int] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    gaps: list[str | None] = field(default_factory=list)

    def add(self, match: re.Match[str], gap: str | None) -> None:
        if self.starts:
            self.gaps.append(gap)
        self.starts.append(match.start())
        self.ends.append(match.end())
        self.digits.append(match.group())


class Digits:
    """A run's digits in one string, with what the searches ask of them in constant time."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.text = "".join(run.digits)
        self.offsets = list(accumulate((len(d) for d in run.digits), initial=0))  # + the end
        self.group_at = list(  # each digit's group
            chain.from_iterable(repeat(k, len(d)) for k, d in enumerate(run.digits))
        )
        self.ending = {end: k for k, end in enumerate(self.offsets[1:])}  # end → its group
        self.protected = [-1] * len(run.digits)  # the segment (phone, tracking) of a group
        self.tracking_ends: dict[int, int] = {}  # a tracking number's segment → its end
        # Where the significant digits of each group start (after leading zeros).
        self.significant = [
            offset + len(d) - len(d.lstrip("0"))
            for offset, d in zip(self.offsets, run.digits, strict=False)
        ]
        self._luhn = _luhn_sums(self.text)

    def luhn(self, start: int, end: int) -> bool:
        """luhn_valid(self.text[start:end]), from prefix sums."""
        sums = self._luhn[(end - 1) % 2]
        return (sums[end] - sums[start]) % 10 == 0

    def sizes(self, start: int, end: int) -> list[int]:
        """How many of the window's digits fall in each group it touches."""
        first, last = self.group_at[start], self.group_at[end - 1]
        if first == last:
            return [end - start]
        middle = [len(self.run.digits[k]) for k in range(first + 1, last)]
        return [self.offsets[first + 1] - start, *middle, end - self.offsets[last]]

    def hides(self, start: int, end: int) -> bool:
        """Is the window wholly inside one phone or tracking number? Not when it is a card's
        15 or 16 digits at the very end of a tracking number: a card glued behind a
        tracking-like group passes the carrier's check digit one time in ten, and a real
        tracking number ends in a card-shaped window only about one time in thirty."""
        first, last = self.group_at[start], self.group_at[end - 1]
        segment = self.protected[first]
        if segment == -1 or segment != self.protected[last]:
            return False
        return not (self.tracking_ends.get(segment) == end and end - start in (15, 16))


# A digit's Luhn term, as it is and doubled ("7" → 7, and 14 → 1 + 4 = 5), as bytes.
_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))

_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))


def _luhn_sums(digits: str) -> tuple[list[int], list[int]]:
    """Two prefix sums of Luhn terms: the first for windows whose last digit is at an even
    index (digits at odd indexes are doubled), the second for those ending at an odd index.
    Built with bytes operations: this runs over every digit of the text."""
    raw = digits.encode("ascii")
    plain, doubled = raw.translate(_PLAIN), raw.translate(_DOUBLED)
    even_last, odd_last = bytearray(plain), bytearray(doubled)
    even_last[1::2], odd_last[1::2] = doubled[1::2], plain[1::2]
    return list(accumulate(even_last, initial=0)), list(accumulate(odd_last, initial=0))


def runs(text: str) -> Iterator[Run]:
    """Digit groups joined by anything but letters, split where a set-aside shape is. One at
    a time: a long text's runs are never all held at once."""
    aside = iter(set_aside(text))
    next_aside = next(aside, (len(text), len(text)))
    current = Run()
    for match in _GROUP.finditer(text):
        while next_aside[1] <= match.start():
            next_aside = next(aside, (len(text), len(text)))
        if next_aside[0] < match.end():  # set aside: its digits are not a card's
            if current.starts:
                yield current
                current = Run()
            continue
        gap = _gap_kind(text[current.ends[-1] : match.start()]) if current.starts else ""
        if gap == _BREAK:
            yield current
            current = Run()
            gap = ""
        current.add(match, gap)
    if current.starts:
        yield current


_BREAK = "break"


def _gap_kind(gap: str) -> str | None:
    """_BREAK if the gap ends the run, its kind if short, None if long."""
    if _WORD_CHAR.search(gap):
        return _BREAK
    # ", +1 …" or " +44 …" starts another (international phone) number; "4111+1111" and
    # "4111+++1111" do not.
    if _PHONE_START.search(gap):
        return _BREAK
    return gap.translate(_HORIZONTAL_SPACE) if len(gap) <= _SHORT_GAP else None
