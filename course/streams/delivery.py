"""Delivery semantics come from when a consumer commits: after processing or before it.

A consumer polls a batch, processes its records one by one, and commits the offset after the
batch. If it crashes mid-batch, its replacement starts from the last committed offset:

- commit *after* processing (at-least-once): the records processed since the last commit are
  processed again, so there are duplicates but nothing is lost;
- commit *before* processing (at-most-once): the rest of the batch was already committed and is
  never processed, so records are lost but none is processed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from course.sim.validate import choice, whole

__all__ = ["COMMIT_MODES", "DeliveryResult", "Step", "crash_demo"]

COMMIT_MODES = ("after", "before")
_GUARANTEE = {"after": "at-least-once", "before": "at-most-once"}


class Step(NamedTuple):
    """One thing a consumer did: "poll" (a batch from `offset` on), "process", "commit" (up to `offset`), "crash"."""

    step: int
    consumer: str
    action: str
    offset: int


@dataclass(frozen=True)
class DeliveryResult:
    """What a crash did to one partition: records processed (in order, repeats included) and a step log."""

    commit: str
    records: int
    processed: list[int]
    steps: list[Step]

    def __repr__(self) -> str:
        return (
            f"DeliveryResult({self.guarantee}: records={self.records}, processed={len(self.processed)}, "
            f"duplicates={self.duplicates}, lost={self.lost})"
        )

    @property
    def guarantee(self) -> str:
        """ "at-least-once" for commit after processing, "at-most-once" for commit before."""
        return _GUARANTEE[self.commit]

    @property
    def duplicates(self) -> int:
        """Processings beyond the first of the same record."""
        return len(self.processed) - len(set(self.processed))

    @property
    def lost(self) -> int:
        """Records never processed."""
        return self.records - len(set(self.processed))


def crash_demo(commit: str = "after", records: int = 10, batch: int = 4, crash_after: int | None = 6) -> DeliveryResult:
    """Consume `records` records in batches of `batch`, crashing after `crash_after` processings.

    The first consumer ("c0") crashes right after processing its `crash_after`-th record,
    before that batch's commit; a replacement ("c1") resumes from the committed offset and
    runs to the end. `crash_after=None` means no crash. Deterministic: no randomness at all.

    Taught in lessons/04_streams.ipynb.

    >>> crash_demo("after", records=10, batch=4, crash_after=6)
    DeliveryResult(at-least-once: records=10, processed=12, duplicates=2, lost=0)
    >>> crash_demo("before", records=10, batch=4, crash_after=6)
    DeliveryResult(at-most-once: records=10, processed=8, duplicates=0, lost=2)
    >>> crash_demo("after", crash_after=None).processed == list(range(10))
    True
    """
    choice("commit", commit, COMMIT_MODES)
    whole("records", records, maximum=100_000, why="the number of records in the partition")
    whole("batch", batch, minimum=1, why="a poll returns at least one record")
    if crash_after is not None:
        whole("crash_after", crash_after, minimum=1, why="the number of records processed before the crash, or None")
    steps: list[Step] = []
    processed: list[int] = []
    committed = 0

    def log(consumer: str, action: str, offset: int) -> None:
        steps.append(Step(len(steps), consumer, action, offset))

    for consumer in ("c0", "c1"):
        position = committed
        while position < records:
            end = min(position + batch, records)
            log(consumer, "poll", position)
            if commit == "before":
                committed = end
                log(consumer, "commit", committed)
            for offset in range(position, end):
                processed.append(offset)
                log(consumer, "process", offset)
                if consumer == "c0" and crash_after is not None and len(processed) == crash_after:
                    log(consumer, "crash", offset)
                    break
            else:
                position = end
                if commit == "after":
                    committed = end
                    log(consumer, "commit", committed)
                continue
            break  # c0 crashed: c1 takes over from the committed offset
        else:
            break  # the consumer reached the end without crashing
    return DeliveryResult(commit=commit, records=records, processed=processed, steps=steps)
