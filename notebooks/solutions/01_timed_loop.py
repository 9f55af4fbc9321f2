"""Exercise 1 · predict, then measure: 30 requests at 0.05 s latency, one after the other."""

import time

import requests

from helpers import start_server

# Each request waits for the one before it: N round trips, one after another.
latency = start_server(latency=0.05).latency  # 0.05 s at the lab server (measured, with COURSE_BASE_URL)
prediction = 30 * latency  # N × latency = 1.5 s at the lab (plus a little client work per request)


def timed_loop(url_basis, n):
    """Send n GETs one after the other; return the seconds they took."""
    start = time.perf_counter()  # once, before the loop
    for i in range(n):
        requests.get(url_basis + str(i)).raise_for_status()
    return time.perf_counter() - start  # seconds, once, after the loop
