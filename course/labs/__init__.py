"""Labs: one function per lesson returning an ipywidgets widget that re-simulates on every change.

`LABS` maps each lesson's file stem to its lab, so tools (benchmarks, browser tests) find them all;
a lesson with several labs lists the others as "<stem>:<name>".
"""

from .balancer import balancer_lab
from .design import design_lab
from .eventsourcing import eventsourcing_lab
from .gateway import gateway_lab
from .queues import queues_lab
from .streams import replication_lab, streams_lab, windows_lab
from .view import LabView, build_lab, show

LABS = {
    "01_api_gateway": gateway_lab,
    "02_load_balancer": balancer_lab,
    "03_queues": queues_lab,
    "04_streams": streams_lab,
    "04_streams:replication": replication_lab,
    "04_streams:windows": windows_lab,
    "05_event_sourcing": eventsourcing_lab,
    "06_putting_it_together": design_lab,
}

__all__ = [
    "LABS",
    "LabView",
    "balancer_lab",
    "build_lab",
    "design_lab",
    "eventsourcing_lab",
    "gateway_lab",
    "queues_lab",
    "replication_lab",
    "show",
    "streams_lab",
    "windows_lab",
]
