"""Authenticated calls to linked applications, and the API host code calls them with (every request goes
through ``applinks.transport``).

``links`` (``ApplicationLinks``), ``factory`` (request factories), ``choice`` (provider choice), ``providers``
(names, OAuth 1.0a signer), ``service`` (``instance.outgoing``), ``config``, ``tokens``, ``audit``, ``dance``
and ``grants`` (3LO on the consumer side), ``calls`` (ports for other areas), ``demo_step``.
Its HTTP face: ``web/protocol/login_dance.py`` and ``web/api/outgoing.py``.
"""
