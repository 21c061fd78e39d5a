"""Request authenticators of the chain in ``web/deps.py``: each turns one protocol's credentials into a Principal."""
