"""Exercise 1 of notebook 14: the culprit is log_status (time.sleep); run it in a worker thread."""

import asyncio
import time

import aiohttp

LOG = []  # the slow log


def log_status(status):  # unchanged: a library's function, still blocking
    time.sleep(0.06)
    LOG.append(status)


async def polite_download(url, n=10):
    async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as group:
        for i in range(n):
            group.create_task(get_and_log_politely(session, f"{url}/get?{i}"))


async def get_and_log_politely(session, url):
    async with session.get(url) as response:
        # the fix: the blocking call runs in a worker thread; the loop stays free meanwhile
        await asyncio.to_thread(log_status, response.status)
