"""Exercise 2: a lazy filtering stage for the URL pipeline."""


def slow_only(responses, threshold):
    """Pass on, one at a time, the responses that took longer than `threshold` seconds."""
    for response in responses:  # pulls the next response only when asked for one
        if response.elapsed.total_seconds() > threshold:
            yield response
