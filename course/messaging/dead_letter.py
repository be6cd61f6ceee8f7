"""The dead-letter queue: where a queue puts messages it gave up on, for a person to inspect and redrive."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .message import DeadLetter

if TYPE_CHECKING:  # pragma: no cover
    from .message_queue import MessageQueue

__all__ = ["DeadLetterQueue"]


class DeadLetterQueue:
    """Keep every message that exhausted its attempts or was found to be poison, until someone redrives it.

    A dead letter is not lost: it is counted in every run's accounting, can be inspected (why,
    after how many attempts, since when), and redriven back to its queue once the cause is fixed.
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

    def __init__(self, queue: MessageQueue):
        self._queue = queue
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
        """The dead letters, oldest first (only those with `reason` if given)."""
        return [letter for letter in self.letters if reason is None or letter.reason == reason]

    def redrive(self, ids: Iterable[int] | None = None) -> int:
        """Send dead letters back to their queue (all, or those whose message id is in `ids`); return how many.

        A redriven message starts over: attempts reset to 0, at the back of the queue, admitted
        even when the queue is full (it was accepted once; a redrive never loses it).
        """
        wanted = None if ids is None else set(ids)
        moving = [letter for letter in self.letters if wanted is None or letter.message in wanted]
        if wanted is not None:
            missing = wanted - {letter.message for letter in moving}
            if missing:
                raise ValueError(f"messages {sorted(missing)} are not in the dead-letter queue: see dlq.inspect()")
        self.letters = [letter for letter in self.letters if letter not in moving]
        for letter in moving:
            self._queue._redrive(letter.message)
        return len(moving)
