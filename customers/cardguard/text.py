"""The text as the card scanner reads it, each character mapped back to where it came from.

customers/cardguard/scan.py looks for card numbers in what a person would *see*, so a text is read
in one pass before any digits are looked at:

1. **Encoded forms typed as text are decoded**: URL percent-encoding ("%20", "%34", a UTF-8
   sequence such as "%E2%80%8B"), HTML character references ("&nbsp;", "&#32;", "&#x20;",
   "&#52;") and backslash escapes ("\\u0034", "\\x34", "\\U00000034", "\\u{34}"). One level
   only: "%2534" reads as "%34", not as "4".
2. **Each character is normalized** (NFKC: fullwidth and circled digits, compatibility
   spaces), every Unicode decimal digit (Arabic-Indic, Devanagari, …) becomes 0-9, invisible
   characters are dropped as if they were not there (format characters such as zero-width
   space, joiners, bidi controls, soft hyphen, BOM; combining marks), and letter-like marks
   that people use as dashes or blanks (modifier letters such as the Arabic tatweel and the
   prolonged sound mark, the Hangul fillers) become a space.
3. **Look-alike letters in digit groups**: a word made only of digits and l, I, O, o (and
   their Cyrillic and Greek twins) reads as digits when it holds a digit ("4III", "1O11") or
   is four such letters ("llll"), so ordinary words never turn into digits.

Every character of the result remembers the span of the original it came from, so a card
found in the decoded text is redacted in its encoded original.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# One encoded character, or one non-ASCII character (normalized one at a time).
_SPECIAL = re.compile(
    r"%[0-7][0-9A-Fa-f]"  # an ASCII byte, URL-encoded
    r"|%[CDcd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]"  # a 2-byte UTF-8 sequence
    r"|%[Ee][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}"  # 3 bytes (zero-width space, …)
    r"|%[Ff][0-7](?:%[89ABab][0-9A-Fa-f]){3}"  # 4 bytes (mathematical digits)
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # HTML
    r"|\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|U[0-9A-Fa-f]{8}|u\{[0-9A-Fa-f]{1,6}\})"
    r"|[^\x00-\x7f]"
)
_ENCODED = re.compile(r"[%&\\]")
# Blanks that Unicode files as letters (Lo): people type them as invisible dashes.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_INVISIBLE = frozenset(("Cf", "Mn", "Me"))

_LOOKALIKES = {"l": "1", "I": "1", "O": "0", "o": "0"}
_LOOKALIKES |= {"\u0406": "1", "\u0456": "1", "\u04c0": "1", "\u04cf": "1"}  # Cyrillic І і Ӏ ӏ
_LOOKALIKES |= {"\u041e": "0", "\u043e": "0", "\u039f": "0", "\u03bf": "0"}  # Cyrillic, Greek O o
_AS_DIGITS = str.maketrans(_LOOKALIKES)
_LOOKALIKE = re.compile("[" + "".join(_LOOKALIKES) + "]")
# A whole word (not preceded or followed by a letter or digit) of digits and look-alikes.
# Possessive, so a word that goes on with another letter fails at once, without backtracking.
_DIGITLIKE_WORD = re.compile(r"(?<![^\W_])[0-9" + "".join(_LOOKALIKES) + r"]++(?![^\W_])")
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True)
class ReadText:
    """text as the scanner reads it; character i came from original[starts[i]:ends[i]]."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]

    def with_pipes_as_ones(self) -> ReadText:
        """The same text with "|" read as a look-alike "1" ("4|||"), where it was a separator."""
        return ReadText(_digits_for_lookalikes(self.text.replace("|", "l")), self.starts, self.ends)


_DIGITS_AND_LOOKALIKES = "0123456789lIOo|"


def plainly_fewer_digits(original: str, count: int) -> bool:
    """Will the text read as fewer than count digits, plainly (without reading it)? Only
    asked of ASCII text with nothing encoded; elsewhere a compatibility form ("㉑") or an
    escape can make digits of what is not one."""
    if not original.isascii() or _ENCODED.search(original):
        return False
    return sum(map(original.count, _DIGITS_AND_LOOKALIKES)) < count


def read_text(original: str) -> ReadText:
    """original decoded, normalized and with look-alikes as digits (see the module docstring)."""
    if original.isascii() and not _ENCODED.search(original):
        plain = ReadText(original, range(len(original)), range(1, len(original) + 1))
    else:
        plain = _decoded(original)
    return ReadText(_digits_for_lookalikes(plain.text), plain.starts, plain.ends)


def _decoded(original: str) -> ReadText:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for match in _SPECIAL.finditer(original):
        start, end = match.span()
        parts.append(original[done:start])  # plain ASCII: each character is itself
        starts.extend(range(done, start))
        ends.extend(range(done + 1, start + 1))
        read = "".join(_read_char(char) for char in _decode(match.group()))
        parts.append(read)
        starts.extend([start] * len(read))
        ends.extend([end] * len(read))
        done = end
    parts.append(original[done:])
    starts.extend(range(done, len(original)))
    ends.extend(range(done + 1, len(original) + 1))
    return ReadText("".join(parts), starts, ends)


def _decode(token: str) -> str:
    """One token of _SPECIAL as the character(s) it stands for, or itself if it stands for none."""
    if token.startswith("%"):
        return bytes.fromhex(token.replace("%", "")).decode("utf-8", errors="replace")
    if token.startswith("&"):
        return html.unescape(token)  # an unknown entity comes back unchanged
    if token.startswith("\\"):
        code = int(token.strip("\\uxU{}"), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else token
    return token


@lru_cache(maxsize=4096)
def _read_char(char: str) -> str:
    if char.isascii():
        return char
    if unicodedata.category(char) in _INVISIBLE:
        return ""
    return "".join(_read_part(part) for part in unicodedata.normalize("NFKC", char))


def _read_part(char: str) -> str:
    if char.isdecimal():
        return str(unicodedata.digit(char))
    category = unicodedata.category(char)
    if category in _INVISIBLE:
        return ""
    # Modifier letters (tatweel, prolonged sound mark, …) and fillers: dashes and blanks to
    # a reader, so separators here, not letters that would end a number.
    if category == "Lm" or char in _FILLERS:
        return " "
    return char


def _digits_for_lookalikes(text: str) -> str:
    if not _LOOKALIKE.search(text):
        return text
    parts: list[str] = []
    done = 0
    for match in _DIGITLIKE_WORD.finditer(text):
        word = match.group()
        if word.isdigit() or not (_DIGIT.search(word) or len(word) >= 4):
            continue
        parts += [text[done : match.start()], word.translate(_AS_DIGITS)]
        done = match.end()
    parts.append(text[done:])
    return "".join(parts)
