"""Notebook 11, exercise 1: predict the order in which the loop runs five events."""

import asyncio


async def five_events(log):  # the program of the task (the check runs its own copy)
    loop = asyncio.get_running_loop()

    async def job():
        log("task: start")
        await asyncio.sleep(0)
        log("task: after sleep(0)")

    loop.call_later(0, log, "call_later(0)")
    task = asyncio.create_task(job())
    loop.call_soon(log, "call_soon")
    log("cell")
    await task


# The cell runs on until it awaits; create_task and call_soon only queue; the call_later(0) timer
# joins the queue's end on the next turn; sleep(0) sends the task to the back of the queue once.
PREDICTED = ["cell", "task: start", "call_soon", "call_later(0)", "task: after sleep(0)"]

# To watch it yourself, in a cell: seen = []; await five_events(seen.append); seen
