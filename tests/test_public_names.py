"""No public name has two meanings: a name exported by two packages is the same object in both.

`simulate` is the one exception by design: every domain package has its own verb of that name.
"""

import importlib
from collections import defaultdict

PACKAGES = [
    "sim",
    "gateway",
    "balancing",
    "messaging",
    "streams",
    "eventsourcing",
    "design",
    "viz",
    "labs",
    "checks",
    "grading",
]
ONE_VERB = {"simulate"}


def test_a_public_name_means_one_thing_across_packages():
    seen = defaultdict(dict)
    for package in PACKAGES:
        module = importlib.import_module(f"course.{package}")
        for name in module.__all__:
            seen[name][package] = getattr(module, name)
    twice = {
        name: sorted(where)
        for name, where in seen.items()
        if name not in ONE_VERB and len({id(obj) for obj in where.values()}) > 1
    }
    assert not twice, f"these public names mean different things in different packages: {twice}"


def test_every_domain_package_has_the_one_verb():
    for package in ["gateway", "balancing", "messaging", "streams", "eventsourcing", "design"]:
        module = importlib.import_module(f"course.{package}")
        assert "simulate" in module.__all__, f"course.{package} has no simulate(scenario, *, until, seed=0)"
