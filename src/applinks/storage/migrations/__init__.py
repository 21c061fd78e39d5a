"""Alembic migrations of the applinks schema."""
