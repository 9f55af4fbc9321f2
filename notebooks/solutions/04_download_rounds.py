"""Notebook 04, exercise 2: rounds of requests, one after the other, through ONE shared ClientSession."""

import asyncio

import aiohttp


async def download_rounds(urls, rounds):
    async with aiohttp.ClientSession() as session:  # one pool for every round: its connections are reused

        async def fetch(url):
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()

        answers = []
        for _ in range(rounds):  # each round awaited before the next starts
            answers = await asyncio.gather(*(fetch(url) for url in urls))
        return answers  # the last round's, in the order of urls
