import asyncio

import aiohttp


async def worker(urls, results, on_cancel):
    """GET each url in turn (one session of its own), appending the JSON to results."""
    async with aiohttp.ClientSession() as session:  # closed on the way out, cancelled or not
        try:
            for url in urls:
                async with session.get(url) as response:
                    results.append(await response.json())
        except asyncio.CancelledError:
            on_cancel(len(results))  # the cleanup: say how far it got
            raise  # then let the cancellation through: the task ends cancelled
    return len(results)
