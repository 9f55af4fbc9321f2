"""Notebook 11, exercise 2: asyncio.sleep, made of a Future and call_later (as asyncio's own is)."""

import asyncio


async def my_sleep(seconds, result=None):
    """Wait `seconds` on the running loop, without blocking it; return `result`."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    handle = loop.call_later(seconds, future.set_result, result)
    try:
        return await future
    finally:
        handle.cancel()  # cancelled before the timer fired: it must not set a cancelled Future
