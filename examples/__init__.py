"""Example host applications that embed applinks."""
