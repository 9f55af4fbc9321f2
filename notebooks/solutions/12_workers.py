"""Notebook 12, exercise 2: LIMIT workers share one deque, so at most LIMIT requests are in flight."""

from helpers import start_server
from helpers.exercises.nb12 import LATENCY, fetch  # the notebook's fetch(i): a task that GETs /get?i


def worker(queries, statuses):
    while queries:  # until the shared deque is empty
        query = queries.popleft()  # taken out: no other worker gets it
        statuses[query] = yield from fetch(query)  # one request in flight, per worker


# 100 queries, 10 at a time: 10 waves of one round trip each (0.1 s at the lab server; with
# COURSE_BASE_URL set, that server's measured round trip).
PREDICTED = 100 / 10 * start_server(latency=LATENCY).latency  # seconds
