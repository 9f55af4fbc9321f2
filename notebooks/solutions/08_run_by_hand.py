"""Notebook 08, exercise 2: drive a coroutine by hand, as an event loop does."""


def run_by_hand(coro):
    while True:
        try:
            coro.send(None)  # run it to its next pause (what it yields is ignored here)
        except StopIteration as stop:  # it returned
            return stop.value  # the return value travels inside the exception
