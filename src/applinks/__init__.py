"""applinks."""
