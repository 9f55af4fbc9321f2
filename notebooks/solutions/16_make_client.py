"""Exercise 3 of notebook 16: an httpx client that keeps all its 100 connections between runs."""

import httpx


def make_client():
    # the default is Limits(max_connections=100, max_keepalive_connections=20): 80 are closed after a run
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.AsyncClient(limits=limits)
