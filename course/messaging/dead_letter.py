"""The dead-letter queue: where a queue puts messages it gave up on, for a person to inspect and redrive."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from course.sim import validate

from .message import DeadLetter

__all__ = ["DeadLetterQueue"]


class DeadLetterQueue:
    """Keep every message that exhausted its attempts or was found to be poison, until someone redrives it.

    A dead letter is not lost: it is counted in every run's accounting, can be inspected (why,
    after how many attempts, since when), and redriven back to its queue once the cause is fixed.
    `send_back(message_id)` is how the DLQ hands a message back to its queue: it returns False when
    the queue has no room for it, and the letter then stays here (a redrive never loses a message).
    Taught in lessons/03_queues.ipynb.

    >>> from course.sim import Environment
    >>> from course.messaging import MessageQueue
    >>> q = MessageQueue(Environment())
    >>> q.send()
    0
    >>> q.dead_letter(q.receive(consumer=0), reason="poison")
    True
    >>> q.dlq
    DeadLetterQueue(1 message: 1 poison)
    >>> q.dlq.redrive(), q.state(0)
    (1, 'ready')
    """

    def __init__(self, send_back: Callable[[int], bool]):
        if not callable(send_back):
            raise ValueError(f"send_back must be a function of a message id (got {send_back!r})")
        self._send_back = send_back
        self.letters: list[DeadLetter] = []

    def __len__(self) -> int:
        return len(self.letters)

    def __iter__(self) -> Iterator[DeadLetter]:
        return iter(self.letters)

    def __repr__(self) -> str:
        n = len(self.letters)
        reasons = Counter(letter.reason for letter in self.letters)
        detail = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        return f"DeadLetterQueue({n} message{'s' if n != 1 else ''}{': ' + detail if detail else ''})"

    def inspect(self, reason: str | None = None) -> list[DeadLetter]:
        """The dead letters, oldest first (only those with `reason` if given).

        >>> DeadLetterQueue(lambda m: True).inspect(reason="poison")
        []
        """
        if reason is not None:
            validate.instance("reason", reason, str, example='reason="poison"')
        return [letter for letter in self.letters if reason is None or letter.reason == reason]

    def redrive(self, ids: Iterable[int] | None = None) -> int:
        """Send dead letters back to their queue (all, or those whose message id is in `ids`); return how many.

        A redriven message starts over: attempts reset to 0, at the back of the queue. A bounded
        queue takes back only as many as it has room for; the others stay in the DLQ for a later
        redrive (the return value says how many moved).
        """
        wanted = None if ids is None else _ids(ids)
        moving = [letter for letter in self.letters if wanted is None or letter.message in wanted]
        if wanted is not None:
            missing = wanted - {letter.message for letter in moving}
            if missing:
                raise ValueError(
                    f"ids must name messages in the dead-letter queue (got {sorted(missing)}, not there): "
                    "see dlq.inspect()"
                )
        moved = []
        for letter in moving:
            if not self._send_back(letter.message):
                break  # the queue is full: the rest wait here
            moved.append(letter)
        self.letters = [letter for letter in self.letters if letter not in moved]
        return len(moved)


def _ids(ids: object) -> set[int]:
    """`ids` as a set of message ids, or a clear error naming `ids`."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise ValueError(f"ids must be a list of message ids, e.g. ids=[3, 17] (got {ids!r})")
    return {validate.whole("ids", i, why="message ids are whole numbers from 0") for i in ids}
