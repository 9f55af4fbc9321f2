"""Exercise 3 · a loop that survives 503s: retry each failed request, on one Session."""

import requests


def patient_loop(url_basis, n, tries=10):
    """Like session_loop, but send a request again when its answer is not 200 (up to `tries` times)."""
    answers = []
    with requests.Session() as session:
        for i in range(n):
            for _ in range(tries):
                response = session.get(url_basis + str(i))
                if response.ok:  # a 503 is an answer too, not an exception: look at the status
                    break
            response.raise_for_status()  # still failing after `tries` tries: give up loudly
            answers.append(response.json())
    return answers
