"""Card numbers as people type and paste them: every separator, every scheme's published
test numbers, 13 to 19 digits, glued digits, expiry and CVV after, in sentences, in other
scripts' digits. Each entry: (what, text, the card's digits).

The guard must find every one. Check digits are computed here (`luhn_complete`), not by
the code under test.
"""

from __future__ import annotations

from tests.cardguard.corpus.noncards import iban, in_fours


def luhn_complete(body: str) -> str:
    """body + the check digit that makes it pass Luhn."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:  # doubled once the check digit is appended on the right
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


# Published test numbers of each scheme, and a few built on their prefixes.
PANS = {
    "visa": "4111111111111111",
    "visa-stripe": "4242424242424242",
    "visa-2": "4012888888881881",
    "visa-debit": "4000056655665556",
    "visa-13": "4222222222222",
    "visa-19": luhn_complete("400000000000000012"),
    "visa-electron": "4917300800000000",
    "mastercard": "5555555555554444",
    "mastercard-2": "5105105105105100",
    "mastercard-debit": "5200828282828210",
    "mastercard-2series": "2223003122003222",
    "mastercard-2221": "2221000000000009",
    "amex": "378282246310005",
    "amex-2": "371449635398431",
    "amex-34": "340000000000009",
    "discover": "6011111111111117",
    "discover-2": "6011000990139424",
    "discover-644": luhn_complete("644564456445644"),
    "discover-65": luhn_complete("650000000000000"),
    "discover-19": luhn_complete("601100000000000000"),
    "diners-14": "30569309025904",
    "diners-38": "38520000023237",
    "diners-36": "36227206271667",
    "jcb": "3530111333300000",
    "jcb-2": "3566002020360505",
    "unionpay": "6200000000000005",
    "unionpay-19": "6205500000000000004",
    "unionpay-17": luhn_complete("6212345678901234"),
    "maestro": "6759649826438453",
    "maestro-19": "6799990100000000019",
    "maestro-13": luhn_complete("501800000000"),
    "mir": luhn_complete("220000000000000"),
    "rupay": luhn_complete("608001000000000"),
    "rupay-81": luhn_complete("817199992766000"),
    "troy": luhn_complete("979200000000000"),
    "uatp-15": luhn_complete("13541001400495"),
    "fleet-19": luhn_complete("707138000000000000"),
}
for _name, _pan in PANS.items():
    assert 13 <= len(_pan) <= 19 and luhn_complete(_pan[:-1]) == _pan, _name

_LAYOUTS = {15: (4, 6, 5), 14: (4, 6, 4), 13: (4, 4, 5)}


def grouped(pan: str, separator: str) -> str:
    """The card as printed on it: 4-4-4-4(-3), Amex 4-6-5, Diners 4-6-4."""
    sizes = _LAYOUTS.get(
        len(pan), (4,) * (len(pan) // 4) + ((len(pan) % 4,) if len(pan) % 4 else ())
    )
    parts, at = [], 0
    for size in sizes:
        parts.append(pan[at : at + size])
        at += size
    return separator.join(parts)


SEPARATORS = {
    "space": " ",
    "dash": "-",
    "two-spaces": "  ",
    "tab": "\t",
    "newline": "\n",
    "crlf": "\r\n",
    "dot": ".",
    "slash": "/",
    "comma": ",",
    "underscore": "_",
    "nbsp": "\u00a0",
    "thin-space": "\u2009",
    "narrow-nbsp": "\u202f",
    "figure-space": "\u2007",
    "ideographic-space": "\u3000",
    "em-space": "\u2003",
    "hyphen": "\u2010",
    "non-breaking-hyphen": "\u2011",
    "figure-dash": "\u2012",
    "en-dash": "\u2013",
    "em-dash": "\u2014",
    "minus": "\u2212",
    "small-hyphen": "\ufe63",
    "fullwidth-hyphen": "\uff0d",
    "spaced-dash": " - ",
    "spaced-slash": " / ",
    "spaced-en-dash": " \u2013 ",
    "zero-width-space": "\u200b",
    "zero-width-joiner": "\u200d",
    "word-joiner": "\u2060",
    "bom": "\ufeff",
    "soft-hyphen": "\u00ad",
    "plus": "+",
    "middle-dot": "\u00b7",
    "bullet": "\u2022",
    "colon": ":",
    "pipe": "|",
    "asterisk": "*",
    "tilde": "~",
    "dot-space": ". ",
    "comma-space": ", ",
    "space-zwsp": " \u200b",
}

_names = list(PANS)
FORMATS: list[tuple[str, str, str]] = []
for _index, (_label, _separator) in enumerate(SEPARATORS.items()):
    _brand = _names[_index % len(_names)]
    FORMATS.append((f"{_label}/{_brand}", grouped(PANS[_brand], _separator), PANS[_brand]))
for _brand, _pan in PANS.items():
    if not any(brand == _brand for brand in (f.split("/")[1] for f, _, _ in FORMATS)):
        FORMATS.append((f"plain/{_brand}", _pan, _pan))


def _digits_in(text: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) if d.isdigit() else d for d in text)


_V, _M, _A = PANS["visa"], PANS["mastercard"], PANS["amex"]
FORMATS += [
    ("parentheses", f"({_V[:4]}) {_V[4:8]}-{_V[8:12]}-{_V[12:]}", _V),
    ("each-group-in-parentheses", f"({_V[:4]})({_V[4:8]})({_V[8:12]})({_V[12:]})", _V),
    ("leading-plus", f"+{_M}", _M),
    ("leading-plus-grouped", "+" + grouped(_M, " "), _M),
    ("mixed-separators", f"{_V[:4]} {_V[4:8]}-{_V[8:12]}.{_V[12:]}", _V),
    ("glued-expiry", f"{_V}1230", _V),
    ("glued-cvv", f"{PANS['visa-stripe']}123", PANS["visa-stripe"]),
    ("glued-before", f"1230{_M}", _M),
    ("glued-amex-expiry", f"{_A}0727", _A),
    ("then-expiry", grouped(_V, " ") + " 12/30", _V),
    ("then-expiry-and-cvv", grouped(_M, " ") + " 12/30 123", _M),
    ("then-cvv", f"{PANS['visa-stripe']} 123", PANS["visa-stripe"]),
    ("dashed-then-cvv", grouped(_V, "-") + "-123", _V),
    ("numbered-list", f"1. {grouped(_V, ' ')}", _V),
    ("sentence", f"my card is {grouped(_V, ' ')} exp 12/30 cvv 123, thanks", _V),
    ("label", f"Card: {_M}; exp 12/30", _M),
    ("key-value", f"pan={_A}&exp=0727", _A),
    ("email-like", f"{_V}@example.com", _V),
    ("between-letters", f"VISA{_V}EXP1230", _V),
    ("quoted", f'"{grouped(_M, "-")}"', _M),
    ("two-cards", f"{_V}, {_A}", _V),
    ("lines", "Name: Ana Diaz\nCard:\n" + grouped(_M, "\n") + "\nExp: 12/30", _M),
    ("fullwidth", _digits_in(_V, 0xFF10), _V),
    ("fullwidth-spaced", _digits_in(grouped(_M, "\u3000"), 0xFF10), _M),
    ("arabic-indic", _digits_in(grouped(_V, " "), 0x0660), _V),
    ("persian", _digits_in(_M, 0x06F0), _M),
    ("devanagari", _digits_in(grouped(_A, " "), 0x0966), _A),
    ("bengali", _digits_in(_V, 0x09E6), _V),
    ("mathematical-bold", _digits_in(_V, 0x1D7CE), _V),
]
assert len(FORMATS) >= 60 and len({what for what, _, _ in FORMATS}) == len(FORMATS)


# --- Shapes an attack run got past the guard (issue 23), each category several times ---------
def _encoded(text: str, pattern: str) -> str:
    """Each digit of text written as pattern.format(code point)."""
    return "".join(pattern.format(ord(char)) if char.isdigit() else char for char in text)


_D, _S, _J = PANS["discover"], PANS["visa-stripe"], PANS["jcb"]
_M2, _MC = PANS["mastercard-2"], PANS["mastercard-debit"]  # 5105 1051 0510 5100: zeros and ones
# Separators of any length and kind between the groups.
FORMATS += [
    ("four-spaces", grouped(_V, "    "), _V),
    ("eight-spaces", grouped(_M, "        "), _M),
    ("spaced-double-dash", grouped(_A, " -- "), _A),
    ("spaced-triple-dash", grouped(_D, " --- "), _D),
    ("blank-lines", grouped(_S, "\n\n"), _S),
    ("blank-lines-crlf", grouped(_J, "\r\n\r\n"), _J),
    ("indented-lines", grouped(_V, "\n    "), _V),
    ("two-tabs", grouped(_M, "\t\t"), _M),
    ("four-underscores", grouped(_MC, "____"), _MC),
    ("ellipsis-dots", grouped(_D, "...."), _D),
    ("spaced-bars", grouped(_S, "  |  "), _S),
    ("mixed-long", f"{_V[:4]}    {_V[4:8]} -- {_V[8:12]}\n\n{_V[12:]}", _V),
    ("nbsp-run", grouped(_M, "\u00a0" * 5), _M),
    ("long-then-expiry", grouped(_J, "     ") + "     12/30", _J),
]
# Letter-like marks and invisible characters used as dashes.
FORMATS += [
    ("hangul-filler", grouped(_V, "\u3164"), _V),
    ("hangul-choseong-filler", grouped(_M, "\u115f"), _M),
    ("hangul-jungseong-filler", grouped(_A, "\u1160"), _A),
    ("halfwidth-hangul-filler", grouped(_D, "\uffa0"), _D),
    ("tatweel", grouped(_S, "\u0640"), _S),
    ("tatweel-run", grouped(_J, "\u0640\u0640\u0640\u0640"), _J),
    ("prolonged-sound-mark", grouped(_M2, "\u30fc"), _M2),
    ("halfwidth-prolonged-mark", grouped(_MC, "\uff70"), _MC),
    ("zwnj", grouped(_V, "\u200c"), _V),
    ("lrm-rlm", grouped(_M, "\u200e\u200f"), _M),
    ("rlo-pdf", f"\u202e{grouped(_A, ' ')}\u202c", _A),
    ("lre-between", grouped(_D, "\u202a"), _D),
    ("isolates", grouped(_S, "\u2066 \u2069"), _S),
    ("first-strong-isolate", grouped(_J, "\u2068"), _J),
    ("tatweel-and-spaces", grouped(_V, " \u0640 "), _V),
    ("zero-width-run", grouped(_M, "\u200b" * 6), _M),
]
# Digits glued before or after; a tracking-like group glued in front.
FORMATS += [
    ("one-digit-before", f"7{_V}", _V),
    ("one-digit-after", f"{_M}7", _M),
    ("one-digit-before-amex", f"9{_A}", _A),
    ("zero-before", f"0{_S}", _S),
    ("zero-padded", f"00000000{_V}", _V),
    ("digit-glued-to-first-group", "7" + grouped(_M, " "), _M),
    ("digits-glued-to-last-group", grouped(_D, "-") + "99", _D),
    ("usps-prefix-glued", f"9400{_V}", _V),
    ("usps-group-glued", f"94001118{_M}", _M),
    ("sscc-prefix-glued", f"0000{_J}", _J),
    ("smartpost-prefix-glued", f"6129{_S}", _S),
    ("fedex-96-glued", f"96{_D}", _D),
    ("certified-mail-glued", f"7016{_MC}", _MC),
    ("tracking-then-card", "9400 1118 9922 3100 0123 45 " + grouped(_V, " "), _V),
]
# Inside an IBAN-like or tracking-like string.
FORMATS += [
    ("iban-valid-wrapped", iban("DE", _V), _V),
    ("iban-valid-wrapped-spaced", in_fours(iban("GB", _M)), _M),
    ("iban-registered-length", iban("AT", _S), _S),
    ("iban-registered-length-spaced", in_fours(iban("LT", _MC)), _MC),
    ("iban-zero-padded", in_fours(iban("DE", "00" + _J)), _J),
    ("iban-bank-letters", in_fours(iban("RO", "AAAA" + _D)), _D),
    ("iban-mistyped-check", "FR00" + _A, _A),
    ("ups-like", f"1Z999AA1{_V}", _V),
    ("dhl-like", f"JJD0{_M}", _M),
    ("upu-like", f"EA{_S}US", _S),
]
# Look-alike letters inside digit groups.
FORMATS += [
    ("capital-i-for-one", f"4III {_V[4:8]} {_V[8:12]} {_V[12:]}", _V),
    ("small-l-group", f"{_V[:4]} llll {_V[8:12]} {_V[12:]}", _V),
    ("capital-o-for-zero", "51O5 1O51 O51O 51OO", _M2),
    ("small-o-for-zero", "51o5-1o51-o51o-51oo", _M2),
    ("mixed-look-alikes", "4lI1 1111 1111 1111", _V),
    ("pipes-for-ones", "4||| |||| |||| ||||", _V),
    ("look-alikes-glued", "4IIIlllllIIIllll", _V),
    ("amex-look-alikes", "3782 822463 1OOO5", _A),
    ("cyrillic-o", "51\u041e5 1\u041e51 \u041e51\u041e 51\u041e\u041e", _M2),
    ("look-alikes-long-separators", "4III    llll    IIII    IIII", _V),
]
# Encoded forms typed as text.
FORMATS += [
    ("percent-space", grouped(_V, "%20"), _V),
    ("percent-dash", grouped(_M, "%2D"), _M),
    ("percent-digits", _encoded(_A, "%{:02X}"), _A),
    ("percent-nbsp-utf8", grouped(_D, "%C2%A0"), _D),
    ("percent-zwsp-utf8", grouped(_S, "%E2%80%8B"), _S),
    ("plus-and-percent", grouped(_J, "+%2B+"), _J),
    ("html-nbsp", grouped(_V, "&nbsp;"), _V),
    ("html-decimal-space", grouped(_M, "&#32;"), _M),
    ("html-hex-space", grouped(_MC, "&#x20;"), _MC),
    ("html-decimal-digits", _encoded(_S, "&#{};"), _S),
    ("html-ndash", grouped(_D, "&ndash;"), _D),
    ("html-hex-zwsp", grouped(_A, "&#x200B;"), _A),
    ("backslash-u-digits", _encoded(_V, "\\u{:04x}"), _V),
    ("backslash-x-digits", _encoded(_M, "\\x{:02x}"), _M),
    ("backslash-u-nbsp", grouped(_J, "\\u00a0"), _J),
    ("backslash-u-brace", _encoded(_S, "\\u{{{:x}}}"), _S),
    ("mixed-encodings", f"%34{_V[1:4]}&nbsp;{_V[4:8]}\\u0020{_V[8:12]}%20{_V[12:]}", _V),
]
assert len(FORMATS) >= 120 and len({what for what, _, _ in FORMATS}) == len(FORMATS)
