"""OAuth 1.0a service provider: incoming consumers, the three-legged dance endpoints, request verification.

Core modules (no web framework): ``model`` (plain data), ``keys`` (public keys, cached), ``signing``
(parameters and signatures, base string by Authlib), ``consumer_info``, ``consumers`` (ConsumerService),
``tokens`` (request/access tokens), ``verify`` (OAuthProvider). Web glue: ``authenticator``, ``endpoints``
(servlet pages), ``rest`` (applinks-oauth REST) and ``web.install``.
"""
