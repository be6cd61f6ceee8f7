"""Colours every picture shares: the Okabe-Ito palette, safe for colour-blind readers.

Status colours are paired with line styles in the drawings, so no meaning rests on colour alone.
"""

from __future__ import annotations

import math

import matplotlib as mpl
from matplotlib.colors import Colormap

from ..sim.validate import number, whole

__all__ = ["OKABE_ITO", "STATUS_COLOURS", "UTILIZATION_CMAP", "status_colour", "utilization_colour"]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "grey": "#999999",
}

STATUS_COLOURS = {
    200: OKABE_ITO["blue"],
    401: OKABE_ITO["orange"],
    403: OKABE_ITO["yellow"],
    404: OKABE_ITO["grey"],
    429: OKABE_ITO["reddish purple"],
    502: OKABE_ITO["black"],
    503: OKABE_ITO["vermillion"],
    504: OKABE_ITO["grey"],  # timed out: the caller gave up (404 shares grey; no lesson draws both)
}

UTILIZATION_CMAP: Colormap = mpl.colormaps["cividis"]  # perceptually even and colour-blind safe


def status_colour(status: int) -> str:
    """The colour of an HTTP status in every chart (2xx blue, 429 purple, 503 vermillion...).

    >>> status_colour(200), status_colour(204), status_colour(418)
    ('#0072B2', '#0072B2', '#999999')
    """
    whole("status", status, minimum=0, maximum=999, why="an HTTP status such as 200 or 503 (0 for no answer)")
    if status in STATUS_COLOURS:
        return STATUS_COLOURS[status]
    return STATUS_COLOURS[200] if 200 <= status < 300 else OKABE_ITO["grey"]


def utilization_colour(utilization: float) -> tuple[float, float, float, float]:
    """Node colour for a utilization between 0 (dark blue) and 1 (yellow); clipped to [0, 1].

    An overloaded node (above 1, even infinitely) is as yellow as a saturated one; NaN is refused.

    >>> utilization_colour(2.0) == utilization_colour(1.0)
    True
    >>> utilization_colour(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: utilization must be a finite number (got nan): a share of capacity, 0 idle to 1 saturated
    """
    if isinstance(utilization, float) and math.isinf(utilization):
        share = 1.0 if utilization > 0 else 0.0
    else:
        share = number("utilization", utilization, why="a share of capacity, 0 idle to 1 saturated")
    return UTILIZATION_CMAP(min(1.0, max(0.0, share)))
