"""Exercise 4 of notebook 16: main(urls) on a fresh loop from loop_factory, from any thread."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_on_loop(main, urls, loop_factory):
    """main(urls) on a new loop from loop_factory (None: asyncio's default); its value."""

    def in_a_thread():  # a thread of its own: the caller's thread may run a loop already (a notebook)
        with asyncio.Runner(loop_factory=loop_factory) as runner:  # closes the loop at the end
            return runner.run(main(urls))

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(in_a_thread).result()
