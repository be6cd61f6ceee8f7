"""Tests of course.grading (a package, so its conftest does not clash with other test folders' conftests)."""
