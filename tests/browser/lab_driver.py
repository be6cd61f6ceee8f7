"""Start a real JupyterLab and a headless Chromium for the browser tests, and stop both by process id.

Used by the browser tests (`tests/browser/`) and by `benchmarks/lab_latency.py`. Both processes run
in a throwaway folder, listen on loopback only, never reach for the network, and are stopped by their
own process ids (SIGTERM to the process group, then SIGKILL). `notebook_page` drives the page.

>>> CHROMIUM_FLAGS[:2]
['--headless', '--no-sandbox']
>>> lab_count_in("from course.labs import gateway_lab\\ngateway_lab(seed=0)")
1
>>> lab_count_in("# no lab here: the word gateway_lab alone is not a call")
0
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM",
    "CHROMIUM_FLAGS",
    "INSTALL_HINT",
    "Chromium",
    "JupyterLab",
    "browser_missing",
    "copy_tree",
    "lab_count_in",
    "stop_process_group",
    "write_notebook",
]

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install Debian's Chromium with `apt-get install -y chromium` (as root, or with sudo) and Playwright with "
    '`.venv/bin/pip install -e ".[browser]"`; never run `playwright install` (it downloads a browser)'
)

# A lab is built by a call such as `gateway_lab(seed=0)` (course/labs/<topic>.py: <topic>_lab); a
# definition (`def gateway_lab(`) and the shared builder (`build_lab(`) are not labs.
_LAB_CALL = re.compile(r"^(?!\s*def\s)[^#\n]*?\b(?!build_lab\b)[A-Za-z_]\w*_lab\s*\(", re.MULTILINE)

# JupyterLab settings for the throwaway user-settings folder: every cell stays in the page (no
# virtual scrolling), and nothing is ever autosaved (running all cells must not rewrite a lesson).
_LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}


def browser_missing() -> str | None:
    """Say why the browser tests cannot run here (Chromium or Playwright missing), or None when they can.

    >>> browser_missing() is None or "apt-get install" in browser_missing()
    True
    """
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright is not installed in {sys.prefix}: {INSTALL_HINT}"
    return None


def lab_count_in(source: str) -> int:
    """Count the lab calls (`<topic>_lab(...)`, outside comments) in one cell's source.

    >>> lab_count_in("lab = retry_lab(seed=1)\\nlab")
    1
    >>> lab_count_in("def demo_lab(seed=0):\\n    return build_lab(update, n=slider)")
    0
    """
    return len(_LAB_CALL.findall(source))


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write an unexecuted notebook of code cells (a cell starting with '# md' becomes markdown) to `path`.

    Widget cells (ending with a lab call, which displays the lab) are tagged `nbval-ignore-output`, as in
    the lessons.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for source in cells:
        if source.startswith("# md"):
            nb.cells.append(nbformat.v4.new_markdown_cell(source.removeprefix("# md").strip()))
            continue
        cell = nbformat.v4.new_code_cell(source)
        last_line = (source.strip().splitlines() or [""])[-1]
        if re.match(r"\s*[A-Za-z_]\w*_lab\s*\(", last_line):  # the cell shows the lab it builds
            cell.metadata["tags"] = ["nbval-ignore-output"]
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def stop_process_group(pid: int, grace: float = 10.0) -> None:
    """Stop the process group led by `pid`: SIGTERM, then SIGKILL whatever is left after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_alive(pid):
                return
            time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(-pgid, os.WNOHANG)  # reap our own children so they do not linger as zombies
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _terminate_with_parent() -> None:
    """In the server's process before it starts: ask Linux for SIGTERM if the test process dies first."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class JupyterLab:
    """A JupyterLab server on a free loopback port, with a token and throwaway config, data and runtime folders.

    `root` is the folder it serves; `workdir` receives its settings, runtime files and `server.log`.
    """

    def __init__(self, root: Path, workdir: Path, *, start_timeout: float = 90.0):
        self.root, self.workdir, self.start_timeout = Path(root), Path(workdir), start_timeout
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = self.workdir / "server.log"

    def __enter__(self) -> JupyterLab:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def url(self, path: str = "lab") -> str:
        """The address of `path` on this server, with the token that logs the browser in."""
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{sep}token={self.token}"

    def start(self) -> None:
        names = ("config", "data", "runtime", "ipython", "settings", "workspaces")
        dirs = {name: self.workdir / name for name in names}
        for folder in dirs.values():
            folder.mkdir(parents=True, exist_ok=True)
        for name, value in _LAB_SETTINGS.items():
            target = dirs["settings"] / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))
        env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_PORT", "JUPYTER_TOKEN")}
        env |= {
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "IPYTHONDIR": str(dirs["ipython"]),
            "JUPYTER_PLATFORM_DIRS": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_terminate_with_parent,
            )
        try:
            self._wait_until_ready(dirs["runtime"])
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, runtime: Path) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            info = runtime / f"jpserver-{self.process.pid}.json"
            if self.port is None and info.exists():
                with contextlib.suppress(ValueError, KeyError):
                    self.port = json.loads(info.read_text())["port"]
            if self.port is not None:
                auth = {"Authorization": f"token {self.token}"}
                request = urllib.request.Request(self.url("api/status"), headers=auth)
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(request, timeout=2) as response:
                        if response.status == 200:
                            return
            time.sleep(0.2)
        limit = f"{self.start_timeout:.0f} s"
        raise TimeoutError(f"JupyterLab did not answer /api/status within {limit}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no server log)"

    def stop(self) -> None:
        """SIGTERM the server's process group (the server and its kernels), then SIGKILL what is left."""
        if self.process is not None:
            stop_process_group(self.process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None


class Chromium:
    """Debian's Chromium in headless mode, driven by Playwright, with a throwaway profile in `profile`."""

    def __init__(self, profile: Path, *, viewport: tuple[int, int] = (1280, 1000)):
        self.profile, self.viewport = Path(profile), viewport
        self.pid: int | None = None
        self._playwright = None
        self.context = None

    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.profile.mkdir(parents=True, exist_ok=True)
        self._playwright = sync_playwright().start()
        try:
            self.context = self._playwright.chromium.launch_persistent_context(
                str(self.profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": self.viewport[0], "height": self.viewport[1]},
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
            self.pid = self._find_browser_pid()
        except BaseException:
            self.stop()
            raise

    def _find_browser_pid(self) -> int | None:
        """The main browser process: started with our profile folder, not a helper (`--type=`)."""
        marker = f"--user-data-dir={self.profile}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if marker in args and not any(a.startswith(b"--type=") for a in args):
                    return int(entry.name)
        return None

    def new_page(self):
        return self.context.new_page()

    def stop(self) -> None:
        """Close the browser through Playwright, then stop its process group by id if anything is left."""
        if self.context is not None:
            with contextlib.suppress(Exception):
                self.context.close()
            self.context = None
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                self._playwright.stop()
            self._playwright = None
        if self.pid is not None:
            stop_process_group(self.pid, grace=5.0)  # Playwright starts Chromium as a process-group leader
            self.pid = None


def copy_tree(source: Path, target: Path) -> Path:
    """Copy a folder of notebooks (checkpoints left out) so a test never touches the committed files."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return target
