"""Every outbound HTTP call of applinks, and the API host code calls linked applications with.

Transport: ``policy`` (address policy), ``network`` (pinned resolution, deadline), ``body`` (decoded-size
cap), ``transport`` (the sync and async clients). Calling: ``links`` (``ApplicationLinks``), ``factory``
(request factories), ``choice`` (provider choice), ``providers`` (names, OAuth 1.0a signer), ``service``
(``instance.outgoing``), ``config``, ``tokens``, ``audit``, ``dance`` and ``grants`` (3LO on the consumer
side), ``calls`` (ports for other areas), ``web`` (routes), ``demo_step``.
"""
