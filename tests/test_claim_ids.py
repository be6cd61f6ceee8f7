"""Every claim a lesson makes carries an id, and a test carries the same id: neither side may go missing.

In a lesson, a claim is marked where it is made: `<!-- claim: streams.idle-consumer -->` in
markdown (invisible to the reader) or `# claim: streams.idle-consumer` in a code cell. In the
tests, `@pytest.mark.claim("streams.idle-consumer")` marks the test that asserts it against the
library. This meta-test fails when a lesson's claim has no test or a test names no claim.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON_CLAIM = re.compile(r"claim:\s*([a-z0-9][a-z0-9_.\-]*)")
TEST_CLAIM = re.compile(r"mark\.claim\(([^)]*)\)")
ID = re.compile(r"[\"']([a-z0-9][a-z0-9_.\-]*)[\"']")
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def lesson_claims(path: Path) -> set[str]:
    cells = json.loads(path.read_text())["cells"]
    return {m for cell in cells for m in LESSON_CLAIM.findall("".join(cell["source"]))}


def claims_in_tests() -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        if path.resolve() == Path(__file__).resolve():  # its own pattern test names example ids
            continue
        for args in TEST_CLAIM.findall(path.read_text()):
            for claim in ID.findall(args):
                found.setdefault(claim, set()).add(path)
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_claim_in_a_lesson_has_a_test(lesson):
    claims = lesson_claims(lesson)
    assert claims, f"{lesson.name} marks no claim: mark each claim it makes with <!-- claim: id --> or # claim: id"
    missing = sorted(claims - set(claims_in_tests()))
    assert not missing, f"{lesson.name} makes claims no test asserts: {missing}"


def test_every_claim_test_names_a_claim_a_lesson_makes():
    made = set().union(*(lesson_claims(p) for p in LESSONS))
    orphans = {claim: sorted(str(p.relative_to(ROOT)) for p in paths) for claim, paths in claims_in_tests().items()}
    orphans = {claim: paths for claim, paths in orphans.items() if claim not in made}
    assert not orphans, f"tests assert claims no lesson makes (renamed or removed?): {orphans}"


def test_the_id_patterns_find_what_they_should():
    assert LESSON_CLAIM.findall("text <!-- claim: streams.idle-consumer --> more") == ["streams.idle-consumer"]
    assert LESSON_CLAIM.findall("# claim: gateway.p99\nassert x") == ["gateway.p99"]
    assert ID.findall(TEST_CLAIM.findall('@pytest.mark.claim("a.b", "c-d")')[0]) == ["a.b", "c-d"]
