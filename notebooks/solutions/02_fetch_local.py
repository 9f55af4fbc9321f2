"""Exercise 2 · one Session per thread, kept in a threading.local()."""

import threading

import requests

local = threading.local()  # one object; each thread sees its own attributes


def fetch_local(url):
    session = getattr(local, "session", None)
    if session is None:  # this thread's first call: make its Session
        session = local.session = requests.Session()
    return session.get(url).json()  # the next call on this thread reuses its connection
