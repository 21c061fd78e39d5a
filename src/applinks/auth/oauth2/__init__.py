"""OAuth 2.0 application links over Authlib and joserfc: the authorization server (``server``), incoming
clients (``incoming``), bearer tokens to users (``resource``), the models Authlib's grants read
(``models``), JWT bearer keys and assertions (``assertions``), and the outgoing flows (``client``).
Framework-free: the web layer adapts."""
