"""Children that the kernel kills when the process that started them dies, however it dies."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable

# From <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1


def die_with_this_process() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has Linux SIGKILL the child once this process is gone.

    None elsewhere: without a parent-death signal, children outlive a killed parent there.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        # The kernel sends the signal when the *thread* that forked ends, not the process: a
        # child started from a short-lived thread would be killed when that thread returns.
        raise RuntimeError("start children that die with this process from its main thread")
    prctl = _prctl()
    parent = os.getpid()
    kill = int(signal.SIGKILL)

    def arm() -> None:
        # Between fork and exec, in the child: nothing here may take a lock another thread
        # could have held at the fork, hence the function looked up beforehand.
        if prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
        if os.getppid() != parent:
            # The parent died before the signal was armed: nobody will ever send it.
            os._exit(1)

    return arm


@functools.cache
def _prctl() -> Callable[..., int]:
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
    prctl.restype = ctypes.c_int
    return prctl
