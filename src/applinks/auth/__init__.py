"""Protocol code of authentication, with no web framework: OAuth 1.0a (``oauth1``), OAuth 2.0 (``oauth2``),
legacy Trusted Applications (``trusted_apps``) and which legacy authentication a link still uses (``legacy``).
Their HTTP code lives under ``web/``."""
