# Exercise 3 · your own to_thread: one solution
import asyncio
import threading


async def run_in_a_thread(func, *args):
    loop = asyncio.get_running_loop()
    future = loop.create_future()  # an asyncio.Future: only the loop's thread may set it

    def work():  # runs in the new thread
        try:
            result = func(*args)
        except Exception as exc:  # the job's error travels too, or the awaiting task waits forever
            loop.call_soon_threadsafe(future.set_exception, exc)
        else:
            loop.call_soon_threadsafe(future.set_result, result)  # set by the loop, which is woken

    threading.Thread(target=work, daemon=True).start()
    return await future  # the loop runs on meanwhile
