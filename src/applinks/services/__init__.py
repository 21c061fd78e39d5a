"""Use cases over links: registry rules, and (later) the wizard, relocation and diagnostics."""
