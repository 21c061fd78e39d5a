"""Protocol endpoints and pages: the OAuth 1.0a provider (``oauth1``) and our consumer side (``login_dance``)."""
