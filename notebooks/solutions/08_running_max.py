"""Notebook 08, exercise 1: a running maximum, as a primed generator-based coroutine."""

import functools


def coroutine(func):
    """The notebook's decorator: create the generator and run it to its first yield, ready for send()."""

    @functools.wraps(func)
    def primed(*args, **kwargs):
        gen = func(*args, **kwargs)
        next(gen)
        return gen

    return primed


@coroutine
def running_max():
    """send(x): yields the highest x so far. send(None): returns (highest, count)."""
    highest, count = None, 0
    while True:
        value = yield highest  # the decorator's next() stops here first (and drops that None)
        if value is None:  # the caller's signal: no more values
            return highest, count  # becomes StopIteration.value (or the value of a yield from)
        highest = value if count == 0 else max(highest, value)
        count += 1
