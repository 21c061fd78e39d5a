"""Diagnostics: link status checks, fix advice, clock skew, background monitoring and metrics."""
