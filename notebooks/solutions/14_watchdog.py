"""Exercise 3 of notebook 14: a watchdog task that reports when the loop wakes it up late."""

import asyncio
import time


async def watchdog(report, every=0.01, late=0.05):
    while True:  # until cancelled
        before = time.perf_counter()
        await asyncio.sleep(every)
        how_late = time.perf_counter() - before - every
        if how_late > late:  # something held the loop while we slept
            report(how_late)
