"""Use cases over links: the registry's rules (``registry``), the create-link wizard (``wizard``), the life of a
link (``lifecycle``: relocate, edit, delete both ends), entity links, legacy migration, and calls as a user."""
