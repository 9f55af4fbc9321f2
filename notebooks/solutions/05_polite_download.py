"""Exercise 2: at most `limit` requests in flight, with one session and a Semaphore."""

import asyncio

import aiohttp


async def polite_download(urls, limit=10):
    semaphore = asyncio.Semaphore(limit)  # one semaphore, shared by every request

    async def fetch(session, url):
        async with semaphore:  # at most `limit` tasks get past this line at once
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()

    async with aiohttp.ClientSession() as session:  # one pool: `limit` connections, reused
        return await asyncio.gather(*(fetch(session, url) for url in urls))  # in order
