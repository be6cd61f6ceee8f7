"""Test set-up: hypothesis runs derandomized, so every property test is deterministic."""

from hypothesis import settings

settings.register_profile("course", derandomize=True, deadline=None, max_examples=150, print_blob=True)
settings.load_profile("course")
