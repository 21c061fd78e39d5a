"""Protocol endpoints and pages: the OAuth 1.0a and OAuth 2.0 providers (``oauth1``, ``oauth2``) and our
consumer side of the OAuth 1.0a dance (``login_dance``)."""
