"""A child process that dies with its parent: ``publisher run``'s Celery worker must not outlive a SIGKILL of
``publisher run`` (it runs in its own session, so nothing else stops it: it would keep consuming from Redis, and
the next ``publisher run`` would start a second one beside it).

Linux sends a chosen signal to a process when the thread that forked it exits (``PR_SET_PDEATHSIG``, kept
across ``exec``). SIGTERM is the worker's warm shutdown: a task already running finishes, then the worker and its
pool and beat processes stop. Elsewhere there is no such call; there the worker outlives a hard kill as before.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen` that arms the parent-death signal in the child, or None when
    the system has none. Started from the main thread: the signal follows the forking thread, not the process."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # looked up before the fork: the child only calls it
    parent = os.getpid()

    def arm() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
        if os.getppid() != parent:  # the parent died between the fork and the prctl: no signal would come
            os.kill(os.getpid(), signum)

    return arm
