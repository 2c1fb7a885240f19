"""What the audit trail's search box finds, as one filter every part of which is indexed."""

from __future__ import annotations

from django.db.models import Q

# Shorter API-call-ID prefixes match too much of the trail to be worth an index range scan.
API_CALL_ID_PREFIX_MIN = 6
# No column searched is longer; a longer term can only find nothing.
SEARCH_TERM_MAX = 255


def audit_search_filter(text: str) -> Q:
    """What the audit search box finds for `text`.

    Usernames and searched-for e-mails match whatever the capitals; API call IDs too, and
    also by their first characters (6 or more); customer IDs exactly. Django's
    case-insensitive lookups compare UPPER(column), which a plain index does not serve, so
    migration 0013 indexes UPPER(column) of each on PostgreSQL (text_pattern_ops: the
    prefix's LIKE 'ABC%' uses it too, whatever the database's collation).
    """
    # A NUL byte is never in a row, and PostgreSQL refuses it in a query (a 500).
    term = text.replace("\x00", "").strip()
    if not term:
        return Q()
    if len(term) > SEARCH_TERM_MAX:
        return Q(pk__in=[])
    if len(term) >= API_CALL_ID_PREFIX_MIN:
        call = Q(api_call_id__istartswith=term)
    else:
        call = Q(api_call_id__iexact=term)
    return (
        call
        | Q(customer_id=term)
        | Q(target_customer_id=term)
        | Q(username__iexact=term)
        | Q(search_term__iexact=term)
    )
