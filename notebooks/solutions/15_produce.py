# Exercise 1 · a producer thread feeds an asyncio.Queue: one solution
# produce runs in a plain thread; `queue` belongs to `loop`, which runs in another thread.
# Every call that touches the queue goes through loop.call_soon_threadsafe: the loop's own
# thread makes it, and the loop is woken at once to do so.


def produce(loop, queue, items):
    for item in items:  # each item as soon as it comes
        loop.call_soon_threadsafe(queue.put_nowait, item)  # queued for the loop AND the loop woken
    loop.call_soon_threadsafe(queue.put_nowait, None)  # the end marker, the same way
    # On Python 3.13+, the end could also be: loop.call_soon_threadsafe(queue.shutdown)
