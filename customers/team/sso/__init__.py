"""Team sign-in through the company's identity provider (OpenID Connect).

config.py  what the environment configured (nothing: the app signs in with passwords only)
rules.py   plain rules over the ID token's claims: e-mail domain, groups to role, provider MFA
client.py  Authlib's OpenID Connect client over httpx: discovery, PKCE, state, nonce, the
           ID token's signature (keys from the provider's JWKS, fetched again on a new key),
           issuer, audience and expiry
signin.py  the sign-in itself: refuse, or create or update the account and its role, audited
views.py   the web adapter: start, callback, the refusal page, sign-out at the provider
"""
