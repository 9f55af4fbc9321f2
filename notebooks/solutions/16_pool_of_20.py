"""Exercise 1 of notebook 16: 100 GETs on a pool of 20 threads, answers in order."""

from concurrent.futures import ThreadPoolExecutor

import requests

WORKERS = 20


def pool_of_20(url, n):
    def get(i):
        return requests.get(f"{url}/get?{i}", timeout=10).json()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # 20 requests in flight at most
        return list(pool.map(get, range(n)))  # map keeps the order of range(n)
