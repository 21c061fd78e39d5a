"""OAuth 1.0a service provider: incoming consumers, request and access tokens, request verification.

Protocol code only (no web framework): ``model`` (plain data), ``keys`` (public keys, cached), ``signing``
(parameters and signatures, base string by Authlib), ``consumer_info``, ``consumers`` (ConsumerService),
``tokens`` (request/access tokens), ``verify`` (OAuthProvider). Its HTTP code: ``web/auth/oauth1.py`` (the
authenticator), ``web/protocol/oauth1.py`` (the servlet endpoints and pages), ``web/api/oauth_consumers.py``
(applinks-oauth REST).
"""
