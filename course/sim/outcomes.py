"""The one outcome vocabulary: how a request, a message or a record ends, in every package.

Every toy names the final fate of what it handles with one of these words (a package uses the
subset that can happen in it), and summaries count them under the same names. HTTP statuses stay
HTTP statuses (a gateway's `Response.status` is 429); the outcome is the word for what happened.

>>> OUTCOMES["rate_limited"]
'refused by a rate limiter (HTTP 429)'
>>> outcome("served")
'served'
"""

from __future__ import annotations

from .validate import choice

__all__ = ["OUTCOMES", "outcome"]

OUTCOMES: dict[str, str] = {
    "served": "answered successfully (a 2xx response, a message acknowledged, a record committed)",
    "rejected": "refused on arrival because something was full or nothing could take it (503, a full queue)",
    "rate_limited": "refused by a rate limiter (HTTP 429)",
    "unauthorized": "refused for missing or invalid credentials (HTTP 401)",
    "forbidden": "refused: valid credentials without the right to do this (HTTP 403)",
    "not_found": "no route matched (HTTP 404)",
    "failed": "accepted, then ended in an error (a 502 from a dead backend, a consumer that raised)",
    "timed_out": "the caller gave up waiting (HTTP 504 at a gateway)",
    "dead_lettered": "moved to the dead-letter queue after its last attempt",
    "lost": "acknowledged to the producer, then lost with a failed broker",
    "unfinished": "still queued or in progress when the run ended",
}


def outcome(word: str) -> str:
    """Return `word` if it is one of the shared outcomes, else list them (catches typos in toys).

    >>> outcome("dropped")
    Traceback (most recent call last):
    ...
    ValueError: word must be one of 'served', 'rejected', ... (got 'dropped')
    """
    return choice("word", word, list(OUTCOMES))  # type: ignore[no-any-return]
