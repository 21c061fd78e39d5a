"""REST routes of the wire protocol."""
