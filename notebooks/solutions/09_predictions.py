"""Notebook 09, exercise 1: predict sequential() and concurrent(), with five pairs."""

import asyncio

SLEEP = 0.3  # seconds per compute()
PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]


async def compute(x, y):
    print(f"Compute {x} + {y} ...")
    await asyncio.sleep(SLEEP)
    return x + y


async def print_sum(x, y):
    result = await compute(x, y)
    print(f"{x} + {y} = {result}")


async def sequential():
    for x, y in PAIRS:
        await print_sum(x, y)


async def concurrent():
    async with asyncio.TaskGroup() as tg:
        for x, y in PAIRS:
            tg.create_task(print_sum(x, y))


# One sleep after another, one per pair; or all the sleeps at the same time.
PREDICTED = {"sequential": len(PAIRS) * SLEEP, "concurrent": SLEEP}
