"""Pool workers started with exit_with_parent do not outlive a parent killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

from helpers.workers import exit_with_parent

PARENT = textwrap.dedent(
    """
    import multiprocessing, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from helpers.workers import exit_with_parent

    if __name__ == "__main__":
        kwargs = {"initializer": exit_with_parent} if sys.argv[1] == "watched" else {}
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), **kwargs)
        print(sum(pool.map(abs, range(20))), flush=True)  # the workers are up
        time.sleep(60)
    """
)


def _orphans_after_sigkill(mode: str, wait: float) -> list[psutil.Process]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True)
    try:
        parent.stdout.readline()
        family = psutil.Process(parent.pid).children(recursive=True)
        assert len(family) >= 2, "the pool's workers (and multiprocessing's resource tracker)"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + wait
        while True:
            alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.1)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()


def test_workers_exit_with_their_parent():
    assert _orphans_after_sigkill("watched", wait=10) == []


def test_without_it_workers_are_orphaned():
    """The reason it exists: plain pool workers outlive a SIGKILLed parent."""
    orphans = _orphans_after_sigkill("plain", wait=2)
    try:
        assert orphans, "plain workers survived their parent (if this fails, Python fixed it)"
    finally:
        for p in orphans:
            p.kill()


def test_does_nothing_outside_a_multiprocessing_child():
    assert exit_with_parent() is False
