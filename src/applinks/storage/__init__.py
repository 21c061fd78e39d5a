"""Repositories over SQLAlchemy and the schema migrations."""
