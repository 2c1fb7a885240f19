"""How guessable a secret is (SECRET_KEY, AUDIT_CHAIN_KEY), estimated from the secret itself
(no Django: settings use it).

Length alone lets "abcde" × 10 through. Two cheap estimates catch what people actually
type or paste by mistake: the number of distinct characters (a generated key of 50+
characters from a 50- or 64-symbol alphabet has 30 or more), and the Shannon entropy of
the character frequencies times the length (a generated key has 250 bits or more). Neither
sees a long pattern repeated ("abc…xyz" twice); nothing short of a generator's word can.
"""

from __future__ import annotations

import math
from collections import Counter

MIN_LENGTH = 50
MIN_DISTINCT = 20
MIN_BITS = 128


def entropy_bits(key: str) -> float:
    """Shannon entropy of the key's character frequencies, times its length."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def secret_key_weakness(key: str, *, min_length: int = MIN_LENGTH) -> str:
    """What is wrong with the key, in a sentence; "" when it looks random enough."""
    if len(key) < min_length:
        return f"it has {len(key)} characters, fewer than {min_length}"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT:
        return f"it uses only {distinct} different characters (a random key uses 30 or more)"
    bits = entropy_bits(key)
    if bits < MIN_BITS:
        return f"it holds about {bits:.0f} bits of randomness, fewer than {MIN_BITS}"
    return ""
