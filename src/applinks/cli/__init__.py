"""The command-line face: ``applinks …``."""
