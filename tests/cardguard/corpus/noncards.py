"""Real values that are not card numbers, by kind, for the guard's false-positive rate.

Phones come from the phonenumbers library's example numbers for every region it knows, in
every format it writes (E.164, international, national, RFC 3966, dialled from abroad, with
an extension). The rest are the kinds of values agents paste: carriers' tracking numbers,
order numbers, dates and times, UUIDs, IBANs, ISBNs, internal IDs, amounts, postal codes,
IP addresses. Generated from a fixed seed, so the measured rate is the same on every run.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

_random = random.Random(16)


def _digits(count: int) -> str:
    return "".join(_random.choice("0123456789") for _ in range(count))


def _phones() -> list[str]:
    found: list[str] = []
    formats = [
        PhoneNumberFormat.E164,
        PhoneNumberFormat.INTERNATIONAL,
        PhoneNumberFormat.NATIONAL,
        PhoneNumberFormat.RFC3966,
    ]
    kinds = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in kinds:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            found += [phonenumbers.format_number(number, style) for style in formats]
            found += [
                phonenumbers.format_out_of_country_calling_number(number, "US"),  # 011 …
                phonenumbers.format_out_of_country_calling_number(number, "DE"),  # 00 …
            ]
            with_extension = phonenumbers.parse(found[-5])  # the international form
            with_extension.extension = "1234"
            found += [
                phonenumbers.format_number(with_extension, PhoneNumberFormat.INTERNATIONAL),
                phonenumbers.format_number(with_extension, PhoneNumberFormat.NATIONAL),
            ]
    return list(dict.fromkeys(found))


def gs1_complete(body: str) -> str:
    """body + its GS1 mod-10 check digit (USPS IMpb, SSCC, EAN-13): weights 3 and 1 from the
    right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _fedex12(body: str) -> str:
    weights = [1, 7, 3] * 4
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=False))
    return body + str(total % 11 % 10)


def _ups() -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    account = "".join(_random.choice(alphabet) for _ in range(6))
    return f"1Z{account}{_digits(2)}{_digits(8)}"


def _tracking() -> list[str]:
    found: list[str] = []
    for _ in range(12):
        found.append(_ups())
        found.append(" ".join([found[-1][:2], found[-1][2:5], found[-1][5:8], found[-1][8:]]))
        found.append(_fedex12(_digits(11)))  # FedEx Express
        found.append(_digits(15))  # FedEx Ground
        # Carriers' barcodes end in a GS1 mod-10 check digit (the random digits drawn for it
        # are dropped, so the values after these stay the same).
        found.append(gs1_complete(("96" + _digits(20))[:-1]))  # FedEx Ground "96", 22 digits
        found.append(gs1_complete(("00" + _digits(18))[:-1]))  # FedEx / SSCC-18, 20 digits
        found.append(gs1_complete(("6129" + _digits(16))[:-1]))  # FedEx SmartPost, 20 digits
        usps = gs1_complete(_random.choice(["9400", "9205", "9407", "9303", "9270"]) + _digits(17))
        found.append(usps)  # USPS, 22 digits
        found.append(" ".join(usps[i : i + 4] for i in range(0, len(usps), 4)))
        found.append(gs1_complete("7016" + _digits(15)))  # USPS Certified Mail, 20 digits
        found.append(gs1_complete("420" + _digits(5) + "9400" + _digits(17)))  # with ZIP
        found.append(_digits(10))  # DHL Express
        found.append(f"JJD0{_digits(17)}")  # DHL Parcel
        found.append(f"EA{_digits(9)}US")  # USPS / UPU international
    return found


def _orders() -> list[str]:
    found: list[str] = []
    for _ in range(15):
        found.append(f"{_digits(3)}-{_digits(7)}-{_digits(7)}")  # Amazon
        found.append(f"{_digits(2)}-{_digits(5)}-{_digits(5)}")  # eBay
        found.append(f"#{_random.randint(1001, 99999)}")  # Shopify
        found.append(f"SO-{_random.randint(2019, 2026)}-{_digits(6)}")
        found.append(f"INV {_digits(4)}/{_digits(2)}/{_digits(3)}")
    return found


def _dates() -> list[str]:
    found: list[str] = []
    start = datetime(2019, 1, 1, tzinfo=UTC)
    styles = [
        "%Y-%m-%d",
        "%d/%m/%Y",
        "%m/%d/%Y",
        "%d.%m.%Y",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S.%fZ",
        "%d.%m.%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%Y/%m/%d %H:%M:%S",
        "%a, %d %b %Y %H:%M:%S +0000",
        "%Y%m%d",
        "%Y%m%d%H%M%S",
        "%Y%m%dT%H%M%SZ",
    ]
    for index in range(60):
        moment = start + timedelta(seconds=_random.randint(0, 8 * 365 * 86400))
        found.append(moment.strftime(styles[index % len(styles)]))
        if index % 4 == 0:
            found.append(str(int(moment.timestamp())))  # Unix seconds
            found.append(str(int(moment.timestamp() * 1000)))  # Unix milliseconds
            found.append(moment.isoformat())
    return found


def iban(country: str, bban: str) -> str:
    """country + the mod-97 check digits that make it a valid IBAN + bban."""
    moved = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in moved))
    return f"{country}{98 - number % 97:02d}{bban}"


# Basic bank account numbers of many countries, as in the IBAN registry's examples.
_BBANS = {
    "DE": "370400440532013000", "GB": "NWBK60161331926819", "FR": "20041010050500013M02606",
    "ES": "21000418450200051332", "IT": "X0542811101000000123456", "NL": "ABNA0417164300",
    "BE": "539007547034", "CH": "00762011623852957", "AT": "1904300234573201",
    "PL": "109010140000071219812874", "SE": "50000000058398257466", "NO": "86011117947",
    "DK": "00400440116243", "FI": "12345600000785", "PT": "000201231234567890154",
    "IE": "AIBK93115212345678", "LU": "0019400644750000", "GR": "01101250000000012300695",
    "CZ": "08000000192000145399", "HU": "117730161111101800000000",
    "RO": "AAAA1B31007593840000", "BG": "BNBG96611020345678", "HR": "10010051863000160",
    "SI": "263300012039086", "SK": "12000000198742637541", "LT": "1000011101001000",
    "LV": "BANK0000435195001", "EE": "2200221020145685", "IS": "0159260076545510730339",
    "MT": "MALT011000012345MTLCAST001S", "CY": "002001280000001200527600",
    "SA": "80000000608010167519", "AE": "0331234567890123456", "TR": "0006100519786457841326",
    "IL": "0108000000099999999", "BR": "00360305000010009795493C1",
    "KW": "CBKU0000000000001234560101", "QA": "DOHB00001234567890ABCDEFG",
    "JO": "CBJO0010000000000131000302", "SM": "U0322509800000000270100",
    "AD": "00012030200359100100", "MC": "11222000010123456789030", "LI": "088100002324013AA",
    "RS": "260005601001611379", "AL": "212110090000000235698741", "GE": "NB0000000101904917",
    "UA": "3223130000026007233566001", "PK": "SCBL0000001123456702", "TN": "10006035183598478831",
    "EG": "0019000500000000263180002", "MU": "BOMM0101101030300200000MUR",
}  # fmt: skip


def in_fours(text: str) -> str:
    """text in groups of 4, as IBANs are printed."""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _ibans() -> list[str]:
    found: list[str] = []
    for country, bban in _BBANS.items():
        number = iban(country, bban)
        found.append(number)
        found.append(in_fours(number))
    return found


def _isbn13(body: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _isbns() -> list[str]:
    found: list[str] = []
    for _ in range(15):
        isbn = _isbn13(_random.choice(["978", "979"]) + _digits(9))
        found += [isbn, f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12]}"]
        found.append(f"ISBN {_digits(1)}-{_digits(3)}-{_digits(5)}-{_random.choice('0123456789X')}")
    return found


def _others() -> list[str]:
    found = [
        "ERP0000000000000042A",
        "ERP0000000000000043A",
        "CUST-000123456789",
        "000000000000004242",
        "CRM-2024-000000001337",
        "ACME/2024/00001234567",
    ]
    for _ in range(20):
        found.append(str(uuid.UUID(int=_random.getrandbits(128), version=4)))
        found.append(found[-1].upper())
        found.append(found[-2].replace("-", ""))
        found.append(f"${_random.randint(1, 9_999_999):,}.{_digits(2)}")
        found.append(f"{_random.randint(1000, 9_999_999):,}.{_digits(2)} €".replace(",", "."))
        found.append(f"{_random.randint(10_000, 99_999)}-{_digits(4)}")  # ZIP+4
        found.append(f"{_digits(3)}-{_digits(4)}")  # Japanese postal code
        found.append(".".join(str(_random.randint(0, 255)) for _ in range(4)))  # IPv4
        found.append(
            ":".join(f"{_random.randint(0, 65535):04x}" for _ in range(8))  # IPv6
        )
        found.append(f"{_random.randint(0, 255)}.{_random.randint(0, 255)}.0.1:{_digits(4)}")
    found += ["SW1A 1AA", "10115 Berlin", "H3Z 2Y7", "75008 Paris", "100-0001", "2000 NSW"]
    return found


# Issue 23's cases, from a generator of their own, so the values above stay as they were.
_more = random.Random(23)


def _more_digits(count: int) -> str:
    return "".join(_more.choice("0123456789") for _ in range(count))


def _phone_pairs() -> list[str]:
    """Two numbers in one field (a landline and a mobile), as agents type them."""
    joiners = [", ", " / ", "; ", " or ", "\n", " | ", ",", " - "]
    found: list[str] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS)[::3]:
        fixed = phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
        mobile = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        if fixed is None or mobile is None:
            continue
        for style in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL):
            pair = [phonenumbers.format_number(n, style) for n in (fixed, mobile)]
            found.append(_more.choice(joiners).join(pair))
    return found


_STREETS = ["Main St", "Oak Avenue", "Hauptstraße", "Rue de Rivoli", "Calle Mayor", "High Street"]
_CITIES = ["Springfield, IL", "Berlin", "Paris", "Madrid", "London", "Austin, TX", "Wien"]


def _addresses() -> list[str]:
    found: list[str] = []
    for _ in range(60):
        house, flat = _more.randint(1, 2400), _more.randint(1, 120)
        street, city = _more.choice(_STREETS), _more.choice(_CITIES)
        postal = _more.choice([_more_digits(5), f"{_more_digits(5)}-{_more_digits(4)}"])
        found.append(
            _more.choice(
                [
                    f"{house} {street}, Apt {flat}, {city} {postal}",
                    f"Flat {flat}, {house} {street}\n{postal} {city}",
                    f"{street} {house}/{flat}, {postal} {city}",
                    f"{house}-{flat} {street}, {city}, {postal}, tel. {_more_digits(3)} "
                    f"{_more_digits(4)}",
                    f"PO Box {_more_digits(4)}, {postal} {city}",
                    f"{house} {street}    Unit {flat}    {postal}",
                ]
            )
        )
    return found


def _ean13(body: str) -> str:
    return gs1_complete(body)  # GS1 mod 10, as for the carriers' numbers


def _product_codes() -> list[str]:
    """EAN-13 codes with real GS1 country prefixes (US 0-1, France 30-37, Germany 400-440,
    Japan 45/49, UK 50, Denmark 57, Poland 590, China 69, Switzerland 76, Italy 80-83, Spain 84,
    Netherlands 87, Australia 93), bare and as printed under the bars."""
    prefixes = ["0", "1", "30", "37", "400", "426", "440", "45", "49", "50", "57", "590"]
    prefixes += ["690", "76", "80", "84", "87", "93"]
    found: list[str] = []
    for _ in range(50):
        prefix = _more.choice(prefixes)
        code = _ean13(prefix + _more_digits(12 - len(prefix)))
        found.append(code if _more.random() < 0.7 else f"{code[0]} {code[1:7]} {code[7:]}")
    return found


def _mistyped_ibans() -> list[str]:
    """IBANs as agents mistype them: one digit wrong, two swapped, one left out."""
    found: list[str] = []
    for country, bban in list(_BBANS.items())[:45]:
        number = iban(country, bban)
        at = _more.randrange(4, len(number) - 1)
        kind = _more.randrange(3)
        if kind == 0 and number[at].isdigit():
            number = number[:at] + str((int(number[at]) + 1) % 10) + number[at + 1 :]
        elif kind == 1:
            number = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
        else:
            number = number[:at] + number[at + 1 :]
        found.append(in_fours(number))
    return found


def _prices() -> list[str]:
    found: list[str] = []
    for _ in range(50):
        amount = _more.randint(1, 999_999)
        cents, quantity = _more_digits(2), _more.randint(1, 48)
        found.append(
            _more.choice(
                [
                    f"${amount:,}.{cents}",
                    f"{amount:,}.{cents} €".replace(",", " "),
                    f"EUR {amount:,},{cents}".replace(",", ".", amount >= 1000),
                    f"{quantity} x {amount % 1000}.{cents} = {quantity * (amount % 1000)}.{cents}",
                    f"{quantity} @ ${amount % 500}.{cents}, {quantity * 2} @ ${amount % 90}.99",
                    f"refund {amount % 5000}.{cents} / {quantity} items / {amount % 12 + 1} months",
                ]
            )
        )
    return found


def _notes() -> list[str]:
    """Agents' notes: several numbers of different kinds in one text."""
    found: list[str] = []
    for _ in range(60):
        day = f"2025-{_more.randint(1, 12):02d}-{_more.randint(1, 28):02d}"
        order, amount = _more_digits(6), f"{_more.randint(5, 900)}.{_more_digits(2)}"
        phone = f"({_more_digits(3)}) {_more_digits(3)}-{_more_digits(4)}"
        found.append(
            _more.choice(
                [
                    f"Called on {day} at 10:{_more.randint(10, 59)}, order #{order}, refund of "
                    f"${amount} approved",
                    f"Customer moved to {_more.randint(1, 999)} Pine Rd; new phone {phone}",
                    f"Order {order}, {_more.randint(1, 9)} boxes, {amount} kg,\n\ndelivered {day}",
                    f"Ticket {order}\n\n{day} 09:30\n\n{_more.randint(1, 99)} items, ${amount}",
                    f"Invoices {_more_digits(4)}/{_more_digits(2)}, "
                    f"{_more_digits(4)}/{_more_digits(2)} paid {day}",
                    f"Ref {order} -- {day} -- {amount} -- qty {_more.randint(1, 20)}",
                    f"Callback {phone} or {phone}, after {_more.randint(1, 12)} pm",
                ]
            )
        )
    return found


NON_CARDS: dict[str, list[str]] = {
    "phones": _phones(),
    "tracking numbers": _tracking(),
    "order numbers": _orders(),
    "dates and times": _dates(),
    "IBANs": _ibans(),
    "ISBNs": _isbns(),
    "IDs, amounts, postal codes, addresses": _others(),
    "two phones in one field": _phone_pairs(),
    "street addresses": _addresses(),
    "EAN-13 product codes": _product_codes(),
    "mistyped IBANs": _mistyped_ibans(),
    "prices and quantities": _prices(),
    "agents' notes": _notes(),
}
