"""Notebook 12, exercise 1: a heartbeat task for the tiny event loop."""


def sleep(seconds):  # the notebook's sleep: one trap for the loop's timer heap
    yield ("sleep", seconds)


def ticker(n, ms):
    for _ in range(n):
        print(".", end="", flush=True)
        yield from sleep(ms / 1000)  # parked on the timer heap: meanwhile the loop runs the others
