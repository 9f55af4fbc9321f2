"""Exercise 1: 250 requests through one session and its default connector."""

import asyncio

import aiohttp

# The default TCPConnector opens at most 100 connections, so at most 100 requests are in flight:
# 250 requests go in waves of 100 + 100 + 50, and each wave takes a whole round trip.
predicted_round_trips = 3
predicted_peak = 100


async def download_many(urls):
    async with aiohttp.ClientSession() as session:  # one session: one pool, limit=100

        async def fetch(url):
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()

        return await asyncio.gather(*(fetch(url) for url in urls))  # in the order of urls
