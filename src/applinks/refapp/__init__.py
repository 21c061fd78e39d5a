"""The reference application: a small standalone host that embeds applinks (``applinks serve``)."""
