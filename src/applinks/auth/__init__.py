"""Protocol implementations of authentication, with no web framework: OAuth 1.0a (``oauth1``), OAuth 2.0
(``oauth2``) and legacy Trusted Applications (``trusted_apps``). Their HTTP code lives under ``web/``."""
