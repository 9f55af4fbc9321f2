"""Exercise 2 · one Session, one connection."""

import requests


def session_loop(url_basis, n):
    """GET url_basis + "0" … str(n - 1) on ONE Session; return the answers' JSON, in order."""
    answers = []
    with requests.Session() as session:  # one Session: one connection, kept open and reused
        for i in range(n):
            response = session.get(url_basis + str(i))
            response.raise_for_status()
            answers.append(response.json())
    return answers  # leaving the `with` block closed the connection
