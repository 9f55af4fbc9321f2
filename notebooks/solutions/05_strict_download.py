"""Exercise 1: every answer in order, or DownloadFailed with the failed statuses (the rest cancelled)."""

import asyncio

import aiohttp


class DownloadFailed(Exception):
    def __init__(self, statuses):
        super().__init__(f"requests failed with statuses {statuses}")
        self.statuses = statuses


async def strict_download(urls):
    """A TaskGroup of GETs: the JSON answers in order, or DownloadFailed(sorted statuses)."""

    async def get(session, url):
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.json()

    try:
        async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(get(session, url)) for url in urls]
    except* aiohttp.ClientResponseError as group:  # the TaskGroup has cancelled the others
        raise DownloadFailed(sorted(e.status for e in group.exceptions)) from None
    return [task.result() for task in tasks]
