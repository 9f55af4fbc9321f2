"""Process-pool workers that exit when the process that started them dies.

A :class:`concurrent.futures.ProcessPoolExecutor` worker waits for work on a
queue whose writing end it holds too, so when its parent (a Jupyter kernel, say)
is killed with SIGKILL it never sees the queue close: it waits forever, an
orphan, and so does multiprocessing's resource tracker. Start the pool with
``initializer=exit_with_parent`` and each worker exits within moments of its
parent's death, however the parent died (Linux, macOS and Windows alike)::

    ProcessPoolExecutor(2, mp_context=spawn, initializer=exit_with_parent)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading

__all__ = ["exit_with_parent"]


def exit_with_parent() -> bool:
    """In a multiprocessing child: exit this process as soon as its parent process is gone.

    Starts one daemon thread that waits on the parent's sentinel. Returns True
    when the watch started, False when this process is not a multiprocessing
    child (then it does nothing).
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return False

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)  # the parent is gone: nobody is left to hand work to us or read our results

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
    return True
