"""Balls into bins: the experiment behind "power of two choices"."""

from __future__ import annotations

from course.sim import stream, validate

__all__ = ["MAX_BALLS", "balls_into_bins"]

MAX_BALLS = 10_000_000  # balls times choices: the draws one call may make


def balls_into_bins(n_balls: int, n_bins: int, choices: int = 1, seed: int = 0) -> list[int]:
    """Throw `n_balls` balls one by one; each looks at `choices` bins picked uniformly at random
    (independently, so a bin may be looked at twice) and lands in the least loaded of them.

    With one choice the fullest of n bins holds about log n / log log n balls; with two it
    holds about log log n / log 2: for n = 100,000, around 8 against around 4. Ties go to
    the bin looked at first.

    Taught in lessons/02_load_balancer.ipynb.

    >>> loads = balls_into_bins(1000, 100, seed=1)
    >>> sum(loads), len(loads)
    (1000, 100)
    >>> max(balls_into_bins(10_000, 10_000, choices=2)) < max(balls_into_bins(10_000, 10_000, choices=1))
    True
    """
    validate.whole("n_balls", n_balls, maximum=MAX_BALLS, why="how many balls to throw")
    validate.whole("n_bins", n_bins, minimum=1, maximum=MAX_BALLS, why="how many bins the balls land in")
    validate.whole("choices", choices, minimum=1, maximum=100, why="how many bins each ball looks at")
    validate.seed(seed)
    if n_balls * choices > MAX_BALLS:
        raise ValueError(
            f"n_balls must be at most {MAX_BALLS // choices:,} with choices={choices} (got {n_balls:,}): "
            f"this toy makes at most {MAX_BALLS:,} draws"
        )
    rng = stream(seed, "balls_into_bins")
    uniform = rng.random
    loads = [0] * n_bins
    if choices == 1:
        for _ in range(n_balls):
            loads[int(uniform() * n_bins)] += 1
    elif choices == 2:
        for _ in range(n_balls):
            a, b = int(uniform() * n_bins), int(uniform() * n_bins)
            loads[b if loads[b] < loads[a] else a] += 1
    else:
        for _ in range(n_balls):
            best = int(uniform() * n_bins)
            for _ in range(choices - 1):
                other = int(uniform() * n_bins)
                if loads[other] < loads[best]:
                    best = other
            loads[best] += 1
    return loads
