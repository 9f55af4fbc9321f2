# Exercise 2 · sync code, one background loop: one solution
import asyncio
import threading

import aiohttp


def fetch_all(urls):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="loop-thread", daemon=True)
    thread.start()  # from now on, only loop-thread touches `loop`

    async def open_session():  # a session belongs to the loop it is created in
        return aiohttp.ClientSession()

    async def fetch(url):
        async with session.get(url) as response:
            return await response.json()

    session = asyncio.run_coroutine_threadsafe(open_session(), loop).result(timeout=10)
    try:
        futures = [asyncio.run_coroutine_threadsafe(fetch(url), loop) for url in urls]  # all submitted...
        return [future.result(timeout=10) for future in futures]  # ...then collected, in order
    finally:  # in reverse: the session on its loop, then the loop, its thread, its resources
        asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
