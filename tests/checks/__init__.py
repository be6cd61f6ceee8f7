"""Tests of course.checks (a package, so its conftest does not clash with other test folders' conftests)."""
