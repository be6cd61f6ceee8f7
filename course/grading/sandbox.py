"""The sandbox each learner notebook runs in: what the kernel can see, what it may use, and how it is started.

The strongest isolation the machine allows is chosen once per grading run (`isolation`):

- ``namespaces`` as root: the kernel runs as a user of its own (one per notebook) in new PID, mount,
  network, IPC and UTS namespaces (util-linux ``unshare``), on a read-only root that holds only the
  system folders, Python and the course package, with the grading edition of ``course.checks``
  (`kernel_checks`) in place of the questions; its copy of the learner's folder and ``/tmp`` are
  small private tmpfs mounts. It sees no other process, no network, no other submission, no
  solution, no hidden check and no report; every process it starts dies with it.
- ``namespaces`` in a user namespace (not root, where the system allows it): the same, except the
  kernel keeps the instructor's user id inside the namespace, without any capability.
- ``limits`` (no namespaces): the kernel only gets resource limits, its own session and a minimal
  environment (and, as root, a user of its own). The report says so: learner code could read what
  that user can read.

Every mode sets the `Limits` (memory, CPU time, processes, file sizes), which an instructor can change.

Taught in the README's section for instructors.

>>> Limits().memory_mb, Limits(memory_mb=512).memory_mb
(2048, 512)
>>> Isolation("limits", "as you", False).describe(Limits())[:36]
'isolation: resource limits only (no '
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

__all__ = [
    "SANDBOX_UID_BASE",
    "Isolation",
    "Limits",
    "SandboxKernels",
    "isolation",
    "kernel_checks",
    "kernel_env",
    "sandbox_spec",
    "write_spec",
]

SANDBOX_UID_BASE = 2_000_000_000  # a sandbox's user id is this plus its worker's process id: one user per notebook
_INIT = Path(__file__).with_name("sandbox_init.py")
_CHECKS = Path(__file__).resolve().parents[1] / "checks"
_KERNEL_MODULES = ("asks.py", "plain.py", "probes.py", "timelimit.py", "givens.py")
_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_NAMESPACES = ["--fork", "--pid", "--mount", "--net", "--ipc", "--uts", "--kill-child"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one notebook's kernel and every process it starts (memory and files in MB)."""

    memory_mb: int = 2048  # address space per process: a bigger allocation raises MemoryError
    cpu_seconds: int = 300  # CPU time per process
    processes: int = 256  # processes and threads of the sandbox's user (with a user of its own)
    file_mb: int = 64  # the largest file it may write
    open_files: int = 512
    work_mb: int = 256  # its private copy of the learner's folder
    tmp_mb: int = 256  # its /tmp

    def __post_init__(self):
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1 (got {value!r}): a resource limit")


@dataclass(frozen=True)
class Isolation:
    """The isolation in force: "namespaces" or "limits", whose user the kernel runs as, and if that user is its own."""

    mode: str
    user: str
    own_uid: bool
    userns: bool = False

    def describe(self, limits: Limits) -> str:
        """One line for the report: what was isolated, and the limits."""
        caps = (
            f"{limits.memory_mb} MB of memory and {limits.cpu_seconds} s of CPU per process, "
            f"files up to {limits.file_mb} MB"
        )
        if self.own_uid:
            caps += f", {limits.processes} processes"
        if self.mode == "namespaces":
            return (
                f"isolation: each notebook ran {self.user} in its own PID, mount, network and IPC namespaces, on a "
                f"read-only root without solutions, hidden checks, reports or other submissions; no network; {caps}"
            )
        return (
            "isolation: resource limits only (no namespaces on this machine: run as root with util-linux unshare, "
            f"or allow user namespaces, for a sandbox); the kernel ran {self.user} and could read what it can "
            f"read; {caps}"
        )


def _usable_by_others(path: str) -> bool:
    """Whether a user of no group can run `path`: every folder on the way searchable, the file executable."""
    path = os.path.realpath(path)
    parts = [path] + [str(p) for p in Path(path).parents]
    return all(os.stat(p).st_mode & 0o001 for p in parts)


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.cache
def isolation() -> Isolation:
    """The strongest isolation this machine offers (probed once per process)."""
    unshare = shutil.which("unshare")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if sys.platform.startswith("linux") and unshare:
        if root and _works([unshare, *_NAMESPACES, "true"]):
            return Isolation("namespaces", "as a user of its own", own_uid=True)
        if not root and _works([unshare, "--user", "--map-root-user", *_NAMESPACES, "true"]):
            return Isolation("namespaces", "as you, without privileges", own_uid=False, userns=True)
    if root and _usable_by_others(sys.executable):
        return Isolation("limits", "as a user of its own", own_uid=True)
    return Isolation("limits", "as root" if root else "as you", own_uid=False)


def kernel_checks(folder: Path) -> Path:
    """Write the grading kernel's ``course.checks`` into `folder`: ``check`` records, probes run, nothing expected."""
    from course.checks.givens import GIVENS

    folder.mkdir(parents=True, exist_ok=True)
    for name in _KERNEL_MODULES:
        shutil.copy(_CHECKS / name, folder / name)
    shutil.copy(_CHECKS / "kernel.py", folder / "__init__.py")
    for domain, names in GIVENS.items():
        text = f'"""The exercise\'s givens (the grading edition of course.checks.{domain})."""\n\n'
        text += f"from .givens import {', '.join(names)}\n\n__all__ = {list(names)!r}\n"
        (folder / f"{domain}.py").write_text(text, encoding="utf-8")
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    folder.chmod(0o755)
    return folder


def _course_view(folder: Path, checks: Path) -> Path:
    """Without namespaces: a ``course`` package of links to the real one, with the grading ``checks``."""
    package = _CHECKS.parent
    view = folder / "course"
    view.mkdir(parents=True)
    for entry in package.iterdir():
        if entry.name not in ("checks", "__pycache__"):
            (view / entry.name).symlink_to(entry)
    (view / "checks").symlink_to(checks)
    return folder


def kernel_env(home: str, venv_bin: str, pythonpath: str | None = None) -> dict[str, str]:
    """The kernel's whole environment: a PATH, a private HOME, and nothing of the instructor's."""
    env = {
        "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _read_only_paths() -> tuple[list[str], dict[str, str]]:
    """The folders the kernel needs, read-only (system, Python, the venv, the course), and the root's links."""
    binds, links = [], {}
    for path in _SYSTEM:
        if os.path.islink(path):
            links[path] = os.readlink(path)
        elif os.path.isdir(path):
            binds.append(path)
    for path in (os.path.realpath(sys.base_prefix), sys.prefix, os.path.realpath(sys.prefix), str(_CHECKS.parent)):
        if not any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds):
            binds.append(path)
    return sorted(set(binds)), links


def _mpl_cache() -> str | None:
    for path in (os.environ.get("MPLCONFIGDIR"), os.path.join(os.path.expanduser("~"), ".cache", "matplotlib")):
        if path and os.path.isdir(path):
            return path
    return None


def sandbox_spec(job: Path, work: Path, run: Path, limits: Limits, iso: Isolation, uid: int) -> dict[str, Any]:
    """The spec `sandbox_init` reads: mounts, user, limits, the kernel's argv and environment."""
    checks = kernel_checks(job / "checks")
    venv_bin = os.path.dirname(sys.executable)
    if iso.mode == "namespaces":  # the course package the grader runs, at the same path, first on the kernel's path
        home, pythonpath = "/tmp/home", str(_CHECKS.parent.parent)
    else:
        home, pythonpath = str(job / "home"), str(_course_view(job / "view", checks))
        (job / "home").mkdir()
        if iso.own_uid:
            os.chown(job / "home", uid, uid)
    binds, links = _read_only_paths()
    return {
        "mode": iso.mode,
        "own_uid": iso.own_uid,
        "uid": uid,
        "gid": uid,
        "root": str(job / "root"),
        "ro_binds": binds,
        "symlinks": links,
        "overlays": [[str(checks), str(_CHECKS)]],
        "rw_binds": [str(run)],
        "work": str(work),
        "work_mb": limits.work_mb,
        "tmp_mb": limits.tmp_mb,
        "shm_mb": 64,
        "limits": asdict(limits),
        "nice": 10,
        "mpl_cache": _mpl_cache(),
        "env": kernel_env(home, venv_bin, pythonpath),
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    }


class SandboxKernels(KernelSpecManager):
    """Every kernel name means this Python, started through `sandbox_init` with the spec at `spec_path`."""

    def __init__(self, spec_path: Path, iso: Isolation, **kwargs: Any):
        super().__init__(**kwargs)
        self._spec_path, self._iso = spec_path, iso

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        init = [sys.executable, "-I", "-S", str(_INIT), str(self._spec_path), "{connection_file}"]
        if self._iso.mode == "namespaces":
            user = ["--user", "--map-root-user"] if self._iso.userns else []
            init = [shutil.which("unshare") or "unshare", *user, *_NAMESPACES, "--", *init]
        return KernelSpec(argv=init, display_name="Python 3 (grading sandbox)", language="python")


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    """Write `spec` as JSON, readable only by the grader."""
    path.write_text(json.dumps(spec), encoding="utf-8")
    path.chmod(0o600)
    return path
