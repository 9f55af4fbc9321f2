"""Exercise 1: a countdown generator, and the states it goes through."""


def countdown(n):
    """Yield n, n-1, ..., 1."""
    while n > 0:
        yield n
        n -= 1


predicted_states = {
    "before the first next()": "GEN_CREATED",  # calling countdown(3) ran none of its body
    "after the first next()": "GEN_SUSPENDED",  # paused at its yield, n kept in its frame
    "after list(gen)": "GEN_CLOSED",  # the body ran to its end: StopIteration, frame gone
}
