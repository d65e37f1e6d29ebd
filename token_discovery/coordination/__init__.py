"""Who scans when: one shared scan for every trigger, the cluster lease, the auto-discovery schedule."""
