"""Plain data of applinks: links, types, manifests. No I/O."""
