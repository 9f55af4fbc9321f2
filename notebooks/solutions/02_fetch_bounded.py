"""Exercise 1 · a bounded queue: fetch_all with queue.Queue(maxsize=5)."""

import queue
import threading

import requests


def worker(q, results):
    while (item := q.get()) is not None:  # None is the sentinel: "no more work, exit"
        i, url = item
        try:
            results[i] = requests.get(url).json()["args"]["key"]
        except Exception as exc:  # a failed request is a result too
            results[i] = exc


def fetch_bounded(urls, workers):
    results = [None] * len(urls)
    q = queue.Queue(maxsize=5)  # a put() into a full queue waits for a worker to take an item
    threads = [threading.Thread(target=worker, args=(q, results)) for _ in range(workers)]
    for t in threads:
        t.start()  # first the workers: they are the ones who make room in the queue
    for item in enumerate(urls):
        q.put(item)  # waits whenever 5 URLs are already queued
    for _ in threads:
        q.put(None)  # one sentinel per worker, after all the work
    for t in threads:
        t.join()
    return results
