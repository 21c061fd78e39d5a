"""A minimal FastAPI host application that embeds applinks (see ``app.py``)."""
