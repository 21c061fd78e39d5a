"""Protocol implementations of authentication: OAuth 1.0a, OAuth 2.0, Basic and Trusted Applications."""
