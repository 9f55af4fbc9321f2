"""Notebook 09, exercise 2: a compute() that blocks the event loop (on purpose)."""

import time

SLEEP = 0.3  # seconds per compute()


async def compute_blocking(x, y):
    print(f"Compute {x} + {y} ...")
    # No await: the whole thread sleeps, and the event loop with it. (Linters know this
    # mistake: ruff's rule ASYNC251 flags time.sleep in an async def.)
    time.sleep(SLEEP)  # noqa: ASYNC251
    return x + y
