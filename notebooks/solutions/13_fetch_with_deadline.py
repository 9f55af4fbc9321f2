import asyncio


async def fetch_with_deadline(session, url, seconds):
    """GET url; its JSON, or None when no answer came within `seconds`."""
    try:
        async with asyncio.timeout(seconds):  # the request and the body, under one deadline
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()
    except TimeoutError:  # the deadline passed: the request was cancelled, its connection closed
        return None
