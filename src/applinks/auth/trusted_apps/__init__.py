"""Atlassian Trusted Applications, protocol version 2 (protocol.md §9.1): a legacy impersonating provider.

``protocol`` holds the wire format (certificate text, raw RSA, RC4, headers, error codes); ``signer`` the
sending side; ``verifier`` the receiving checks; ``service`` the per-link configuration and auto-configuration.
"""
