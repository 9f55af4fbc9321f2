"""Exercise 1: a pool of `workers` tasks fed by a bounded asyncio.Queue, stopped cleanly."""

import asyncio

import aiohttp


async def worker_pool(urls, workers=10):
    results = [None] * len(urls)
    q = asyncio.Queue(maxsize=workers)  # the producer waits while `workers` items are queued

    async def worker(session):
        while (item := await q.get()) is not None:  # None: the sentinel, "no more work"
            i, url = item
            async with session.get(url) as response:
                response.raise_for_status()
                results[i] = await response.json()  # in its place: order kept

    async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker(session))
        for item in enumerate(urls):
            await q.put(item)
        for _ in range(workers):
            await q.put(None)  # one sentinel per worker (3.13+: q.shutdown() and QueueShutDown)
    return results  # the TaskGroup waited for every worker: none is left running
