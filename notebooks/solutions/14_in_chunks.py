"""Exercise 2 of notebook 14: CPU work in chunks, giving the loop a turn between them."""

import asyncio


async def in_chunks(work, n, chunks=20):
    for _ in range(chunks):
        work(n // chunks)  # a slice of the work: it holds the loop, but only briefly
        await asyncio.sleep(0)  # a turn for the loop: other tasks and callbacks run here
