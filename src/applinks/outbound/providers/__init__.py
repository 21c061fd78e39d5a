"""Outgoing authentication providers: their names, the OAuth 1.0a signer and the ``httpx2`` auth flows."""
