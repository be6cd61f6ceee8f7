"""Labs: one function per lesson returning an ipywidgets widget that re-simulates on every change.

`LABS` maps each lesson's file stem to its lab, so tools (benchmarks, browser tests) find them all.
"""

from .gateway import gateway_lab
from .queues import queues_lab
from .view import LabView, build_lab, show

LABS = {
    "01_api_gateway": gateway_lab,
    "03_queues": queues_lab,
}

__all__ = [
    "LABS",
    "LabView",
    "build_lab",
    "gateway_lab",
    "queues_lab",
    "show",
]
