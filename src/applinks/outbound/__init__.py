"""Every outbound HTTP call of applinks: the hardened transport and (later) the request factory."""
