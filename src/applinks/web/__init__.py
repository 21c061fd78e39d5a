"""The web face: the ASGI application a host mounts (REST API, protocol endpoints, pages)."""
