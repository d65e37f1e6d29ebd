"""How many clients this process can hold: the file-descriptor limit, raised when allowed, said at start."""

from __future__ import annotations

import logging
import resource

log = logging.getLogger(__name__)
RESERVED_DESCRIPTORS = 100  # the store, Redis, upstream sessions, logs, the listening socket
WANTED_CLIENTS = 10_000


def raise_descriptor_limit(wanted: int = WANTED_CLIENTS + RESERVED_DESCRIPTORS) -> int:
    """Lift the soft limit on open files towards the hard one; the clients it now allows (logged)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as error:
            log.warning("could not raise the open-file limit from %s: %s", soft, error)
    clients = (wanted if soft == resource.RLIM_INFINITY else soft) - RESERVED_DESCRIPTORS
    if clients < WANTED_CLIENTS:
        log.warning("the open-file limit (%s) allows about %s connected clients: raise it (ulimit -n) for more",
                    soft, max(0, clients))  # fmt: skip
    else:
        log.info("the open-file limit (%s) allows about %s connected clients", soft, clients)
    return max(0, clients)
