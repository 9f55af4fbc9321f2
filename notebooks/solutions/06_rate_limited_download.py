"""Exercise 2: at most `rate` requests started per second, with a token bucket of capacity 1."""

import asyncio
import time

import aiohttp


class TokenBucket:
    def __init__(self, rate, capacity=1):
        self.rate, self.capacity = rate, capacity
        self.tokens, self.updated = capacity, time.monotonic()
        self.lock = asyncio.Lock()  # first come, first served

    async def acquire(self):
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


async def rate_limited_download(urls, rate=10):
    bucket = TokenBucket(rate)  # capacity 1: no burst, one start every 1 / rate seconds

    async def fetch(session, url):
        await bucket.acquire()  # pace the starts...
        async with session.get(url) as response:  # ...and let the requests overlap
            response.raise_for_status()
            return await response.json()

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))  # in order
