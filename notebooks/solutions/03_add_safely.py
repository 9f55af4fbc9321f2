"""Notebook 03, exercise 1: add 1 to a shared counter on many threads, the window open, no update lost."""

import threading
import time

lock = threading.Lock()  # one Lock, made once: every thread waits at this same one


def add_safely(counter, times):
    for _ in range(times):
        with lock:  # the read, the window and the write: one thread at a time
            x = counter.value  # 1. read
            time.sleep(0)  # 2. other threads run here, but they wait at `with lock`
            counter.value = x + 1  # 3. write back: nobody wrote since our read
