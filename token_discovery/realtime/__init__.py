"""Socket.IO: the handlers and rooms, the notifier, per-connection event limits."""
