"""Labs: one function per lesson returning an ipywidgets widget that re-simulates on every change."""

from .view import LabView, build_lab, show

__all__ = ["LabView", "build_lab", "show"]
