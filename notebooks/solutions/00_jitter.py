"""Exercise 1 · predict, then measure: 20 single GETs at 0.25 s latency plus up to 0.05 s of jitter."""

import requests

from helpers import measure, start_server

jittery = start_server(latency=0.25, jitter=0.05)
# The server waits 0.25 s before every answer, then up to 0.05 s more: jitter only adds, so no answer
# comes sooner than 0.25 s; of 20, the slowest waits nearly all of the 0.05 s more.
PREDICTED = {"min": 0.25, "max": 0.30}

with requests.Session() as session:
    timings = measure(session.get, f"{jittery.url}/get", repeats=20, label="jittery GET")
print(timings)
