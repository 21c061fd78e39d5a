"""Discovery: publishing and fetching manifests and consumer information."""
