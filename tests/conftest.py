"""Shared test set-up: draw figures off-screen, and keep hypothesis deterministic."""

import matplotlib

matplotlib.use("Agg")

from hypothesis import settings

settings.register_profile("course", derandomize=True, deadline=None, max_examples=150, print_blob=True)
settings.load_profile("course")
