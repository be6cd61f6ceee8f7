"""The sandbox: its limits, what it mounts, whom it runs as, and that it is what the machine offers."""

import os
import shutil
import sys

import pytest

from course.grading import Isolation, Limits, isolation
from course.grading.sandbox import SandboxKernels, kernel_env, sandbox_spec


def test_limits_are_whole_positive_numbers_an_instructor_may_change():
    assert Limits(memory_mb=512, processes=64).memory_mb == 512
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"memory_mb must be a whole number of at least 1 \(got"):
            Limits(memory_mb=bad)


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("unshare")),
    reason="namespaces are only promised to root on Linux with util-linux unshare",
)
def test_as_root_with_unshare_every_notebook_gets_namespaces_and_a_user_of_its_own():
    assert isolation() == Isolation("namespaces", "as a user of its own", own_uid=True)


def test_the_report_says_what_isolation_was_in_force_and_its_limits():
    limits = Limits(memory_mb=1024, cpu_seconds=60)
    sandboxed = Isolation("namespaces", "as a user of its own", True).describe(limits)
    assert (
        "own PID, mount, network and IPC namespaces" in sandboxed and "1024 MB of memory and 60 s of CPU" in sandboxed
    )
    bare = Isolation("limits", "as you", False).describe(limits)
    assert bare.startswith("isolation: resource limits only") and "could read what it can read" in bare


def test_the_kernel_gets_a_minimal_environment_without_the_instructors_variables(monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "secret")
    env = kernel_env("/tmp/home", "/venv/bin")
    assert "INSTRUCTOR_TOKEN" not in env and env["HOME"] == "/tmp/home" and env["PATH"].startswith("/venv/bin")
    assert sorted(env) == sorted(kernel_env("/x", "/y"))  # the same few names, whatever the instructor set


def test_the_sandbox_mounts_python_and_the_course_read_only_and_nothing_of_the_instructors(tmp_path):
    job = tmp_path / "job"
    (job / "work").mkdir(parents=True)
    (job / "run").mkdir()
    spec = sandbox_spec(job, job / "work", job / "run", Limits(), Isolation("namespaces", "x", True), 2_000_000_123)
    course = str((tmp_path.parent / "x").resolve())  # any path outside the binds
    assert not any(course.startswith(b) for b in spec["ro_binds"] if b not in ("/",))
    assert os.path.realpath(sys.base_prefix) in spec["ro_binds"]
    assert any(b.endswith("/course") for b in spec["ro_binds"])
    assert not any(b.endswith(("solutions", "tests")) for b in spec["ro_binds"])
    assert spec["rw_binds"] == [str(job / "run")] and spec["uid"] == 2_000_000_123
    argv = SandboxKernels(job / "spec.json", Isolation("namespaces", "x", True)).get_kernel_spec("python3").argv
    assert argv[0].endswith("unshare") and "--pid" in argv and "--net" in argv and argv[-1] == "{connection_file}"
