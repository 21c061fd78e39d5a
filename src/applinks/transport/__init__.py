"""The hardened HTTP transport every outbound call of applinks goes through, built on httpx2.

``client`` (``OutboundClient`` and ``AsyncOutboundClient``, ``TransportOptions``, ``OutboundResponse``,
``check_url``), ``policy`` (the address policy: which resolved addresses may be connected to), ``network``
(resolve once, connect to the checked address, the per-call deadline) and ``body`` (the cap on decoded bytes).
Every failure leaves this package as a typed ``RemoteError`` or ``InvalidInput`` from ``applinks.errors``.
It imports only the base modules (errors, settings) and no web framework.
"""
