"""Notebook 03, exercise 2: threads with smaller stacks, and the default put back."""

import threading

SMALL = 256 * 1024  # bytes per thread stack (the default on Linux is `ulimit -s`, often 8 MiB)


def run_small(work, n):
    threads = [threading.Thread(target=work) for _ in range(n)]
    previous = threading.stack_size(SMALL)  # returns the setting it replaces
    try:
        for t in threads:
            t.start()  # the stack is reserved here, at start(), with the current setting
    finally:
        threading.stack_size(previous)  # back to the default, even if a start() failed
    for t in threads:
        t.join()
