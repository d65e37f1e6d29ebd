"""What the service is doing: per-minute series, vitals, health and the console's snapshot."""
