"""Exercise 3: myrange as a class: the iterator protocol written out by hand."""


class MyRange:
    """Iterating over MyRange(n) gives 0, 1, ..., n-1, like myrange(n)."""

    def __init__(self, n):
        self.n = n
        self.i = 0  # where we are: what the generator kept in its paused frame

    def __iter__(self):
        return self  # an iterator is its own iterable: `for` calls iter() first

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration  # what the generator did when its body ended
        value = self.i
        self.i += 1
        return value
