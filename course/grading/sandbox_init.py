"""The first process of a grading sandbox: build a private root, drop privileges, start the kernel, reap.

Started by the grader's worker as ``python -I -S sandbox_init.py SPEC.json CONNECTION_FILE``, under
``unshare`` (new PID, mount, network, IPC and UTS namespaces) when the machine allows it. It uses only
the standard library, so it starts in milliseconds. In the namespaces it is process 1: it mounts a
read-only root holding only what Python needs (system folders, the interpreter, the course package
with its grading edition of ``course.checks``), a small private ``/tmp``, the learner's copy on its
own small tmpfs and the kernel's socket folder; then it starts the kernel as an unprivileged user
with resource limits and waits. When the kernel exits, this process exits, and the kernel of the
operating system kills every process left in the namespace. Without namespaces ("limits" mode) it
only sets the limits, changes user when it can, and becomes the kernel.

Taught in the README's section for instructors.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys

__all__ = ["main"]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 38, 24, 28
SECURE_NOROOT = 0b1111  # SECBIT_NOROOT, its lock, SECBIT_NO_SETUID_FIXUP, its lock: exec never grants capabilities
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    args = [None if x is None else x.encode() for x in (source, target, fstype)]
    if _libc.mount(args[0], args[1], args[2], flags, None if data is None else data.encode()) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _prctl(option: int, value: int) -> int:
    return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0)


def _bind(source: str, target: str, read_only: bool, extra: int = MS_NOSUID) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | extra | (MS_RDONLY if read_only else 0))


def _tmpfs(target: str, size_mb: int, mode: str = "1777") -> None:
    os.makedirs(target, exist_ok=True)
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,mode={mode}")


def _chown_tree(path: str, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, gid)


def build_root(spec: dict, connection_file: str) -> None:
    """Mount the sandbox's root under spec["root"] and chroot into it (we are root in fresh namespaces)."""
    uid, gid, root = spec["uid"], spec["gid"], spec["root"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=755")
    _tmpfs(root + "/tmp", spec["tmp_mb"])
    for link, target in spec["symlinks"].items():
        os.symlink(target, root + link)
    for path in spec["ro_binds"]:
        _bind(path, root + path, read_only=True, extra=MS_NOSUID | MS_NODEV)
    for source, target in spec["overlays"]:
        _mount(source, root + target, None, MS_BIND)
        _mount(None, root + target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in spec["rw_binds"]:
        _bind(path, root + path, read_only=False, extra=MS_NOSUID | MS_NODEV)
    own = spec.get("own_uid")  # in a user namespace, the one mapped user already owns everything here
    if own:
        os.chown(connection_file, uid, gid)
    work = root + spec["work"]
    _tmpfs(work, spec["work_mb"], mode="700")
    shutil.copytree(spec["work"], work, symlinks=True, dirs_exist_ok=True)
    if own:
        _chown_tree(work, uid, gid)
    os.makedirs(root + "/dev", exist_ok=True)
    for name in DEVICES:
        _bind(f"/dev/{name}", f"{root}/dev/{name}", read_only=False, extra=MS_NOSUID | MS_NOEXEC)
    _tmpfs(root + "/dev/shm", spec["shm_mb"])
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{root}/dev/{name}")
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    home = root + spec["env"]["HOME"]
    os.makedirs(home, exist_ok=True)
    cache = spec.get("mpl_cache")
    if cache and os.path.isdir(cache):
        target = root + spec["env"]["MPLCONFIGDIR"]
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(cache):
            if name.startswith("fontlist") and name.endswith(".json"):
                shutil.copy(os.path.join(cache, name), target)
    if own:
        _chown_tree(home, uid, gid)
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)
    os.chdir(spec["work"])


def limit(spec: dict) -> None:
    """Set the kernel's resource limits (they pass to every process it starts)."""
    caps = spec["limits"]
    wanted = {
        resource.RLIMIT_AS: caps["memory_mb"] * 2**20,
        resource.RLIMIT_CPU: caps["cpu_seconds"],
        resource.RLIMIT_FSIZE: caps["file_mb"] * 2**20,
        resource.RLIMIT_NOFILE: caps["open_files"],
        resource.RLIMIT_CORE: 0,
    }
    if spec.get("own_uid"):  # the count is per user: only meaningful for a user of its own
        wanted[resource.RLIMIT_NPROC] = caps["processes"]
    for which, value in wanted.items():
        hard = resource.getrlimit(which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def drop_privileges(spec: dict) -> None:
    """Become the sandbox's own user (as root), or give up every capability (in a user namespace)."""
    if spec.get("own_uid"):
        os.setgroups([])
        os.setresgid(spec["gid"], spec["gid"], spec["gid"])
        os.setresuid(spec["uid"], spec["uid"], spec["uid"])
    elif spec["mode"] == "namespaces":
        _prctl(PR_SET_SECUREBITS, SECURE_NOROOT)
        for cap in range(64):
            if _prctl(PR_CAPBSET_DROP, cap) != 0:
                break
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def start_kernel(spec: dict, connection_file: str) -> None:
    """Replace this process with the kernel, limited and unprivileged."""
    os.umask(0o077)
    limit(spec)
    try:
        os.nice(spec["nice"])
    except OSError:
        pass
    drop_privileges(spec)
    argv = [connection_file if a == "{connection_file}" else a for a in spec["argv"]]
    os.execve(argv[0], argv, spec["env"])


def reap(kernel: int) -> int:
    """Wait as process 1: reap every orphan, and return the kernel's exit status once it is gone."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == kernel:
            return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 1


def main(argv: list[str]) -> int:
    spec_path, connection_file = argv[0], argv[1]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    if spec["mode"] != "namespaces":
        if spec.get("own_uid"):
            os.chown(connection_file, spec["uid"], spec["gid"])
            _chown_tree(spec["work"], spec["uid"], spec["gid"])
        os.chdir(spec["work"])
        start_kernel(spec, connection_file)
        return 1  # not reached: execve replaced this process
    build_root(spec, connection_file)
    kernel = os.fork()
    if kernel == 0:
        try:
            start_kernel(spec, connection_file)
        finally:
            os._exit(127)
    code = reap(kernel)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
