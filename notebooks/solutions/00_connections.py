"""Exercise 2 · a new connection per request: requests.get without a Session, counted by the server."""

import requests

from helpers import measure, start_server

server = start_server(latency=0.1)  # the course default, LATENCY
server.reset_stats()  # count from zero
no_session = measure(requests.get, f"{server.url}/get?0", repeats=10, warmup=2, label="requests.get")
print(no_session)
print("connections:", server.stats()["connections"])  # the lab server counts them
# requests.get opens (and closes) a new TCP connection for every call: 12 for 10 runs + 2 warm-ups.
# One Session opens one connection and reuses it: 1 for all of `one`'s 12 requests.
CONNECTIONS = {"requests.get": 12, "Session": 1}
