"""Exercise 3 of notebook 16: one aiohttp session whose connector allows 500 connections."""

import asyncio

import aiohttp


async def aiohttp_500(url, n):
    connector = aiohttp.TCPConnector(limit=500)  # the default limit is 100
    async with aiohttp.ClientSession(connector=connector) as session:

        async def fetch(i):
            async with session.get(f"{url}/get?{i}") as response:
                return await response.json()

        return await asyncio.gather(*(fetch(i) for i in range(n)))
