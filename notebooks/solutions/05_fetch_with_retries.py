"""Exercise 3: retry only what may succeed next time, with a timeout per attempt and jitter."""

import asyncio
import random

import aiohttp


async def fetch_with_retries(session, url, attempts=3, attempt_timeout=0.32, backoff=0.05):
    """GET url and return its JSON; retry 5xx answers and timeouts, up to `attempts` tries."""
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(attempt_timeout):  # this attempt only, body included
                async with session.get(url) as response:
                    response.raise_for_status()
                    return await response.json()
        except aiohttp.ClientResponseError as exc:
            if exc.status < 500 or attempt == attempts:
                raise  # a 4xx will fail again: give up at once; or no tries left
        except (TimeoutError, aiohttp.ClientConnectionError):
            if attempt == attempts:
                raise
        delay = backoff * 2 ** (attempt - 1)  # exponential backoff...
        await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # ...with jitter: clients out of step
