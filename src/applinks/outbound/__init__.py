"""Authenticated calls to linked applications, and the API host code calls them with (every request goes
through ``applinks.transport``).

``application_links`` (``ApplicationLinks``), ``service`` (``instance.outgoing``: configuration, levels, the
provider ``choice``), ``factory`` (request factories), ``sender`` (one pass per request), ``credentials`` (the
chosen provider's ``httpx2.Auth``), ``providers`` (names, OAuth 1.0a and 2.0), ``config``, ``tokens``,
``audit``, ``dance`` and ``grants`` (3LO on the consumer side), ``calls`` (diagnostics' signed probes).
Its HTTP face: ``web/protocol/login_dance.py`` and ``web/api/outgoing.py``.
"""
