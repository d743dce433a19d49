"""Lease owners: which process, or which thread of it, holds a job's lease. The names show on
the admin sync page and in `tracker sync status`, and fit the 80 characters stored."""

from __future__ import annotations

import os
import socket
import threading

__all__ = ["process_owner", "scheduler_owner", "thread_owner"]


def process_owner(role: str) -> str:
    """This process, e.g. "cli-web1-4242"."""
    return f"{role}-{socket.gethostname()}-{os.getpid()}"[:80]


def scheduler_owner() -> str:
    """The scheduler process, e.g. "sched-web1-4242"."""
    return process_owner("sched")


def thread_owner(role: str) -> str:
    """This thread of this process, e.g. "thread-web1-4242-139872"."""
    return f"{role}-{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:80]
