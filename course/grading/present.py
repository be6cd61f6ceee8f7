"""Presenter mode: a lesson's labs as one clean page without code, in large type, served by Voilà on loopback.

`presenter_notebook` builds the page from the lesson: its title, the lesson's import cell, and for
each lab (a cell calling ``<topic>_lab(...)``) the title of its section, the text just above it,
and the lab itself. `present` writes that notebook to ``build/present/`` with a Voilà template,
``present`` (`write_template`: Voilà's lab page in large type, `presenter_css`, without the two
style sheets it would fetch from a CDN), and runs ``voila`` on 127.0.0.1 only, opening no browser
and fetching nothing from the network: open the printed address on the presenting machine. A lab
built from names the lesson defined on the way is refused with the name, since the page runs only
the imports and the labs.

Taught in docs/instructors/README.md ("Presenter mode").

>>> lab_calls("gateway_lab()"), lab_calls("def my_lab():\\n    return build_lab(view, CONTROLS)")
(['gateway_lab'], [])
>>> "zoom: 1.375" in presenter_css(22)
True
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat

from .execute import KERNELSPEC, read_notebook, write_notebook

__all__ = [
    "PRESENT_TAG",
    "find_lesson",
    "lab_calls",
    "present",
    "presenter_css",
    "presenter_notebook",
    "write_template",
]

PRESENT_TAG = "presenter"  # the tag of every cell of a presenter page
_ROOT = Path(__file__).resolve().parents[2]
_LAB_CALL = re.compile(r"^(?!\s*def\s)[^#\n]*?\b(?!build_lab\b)([A-Za-z_]\w*_lab)\s*\(", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$", re.MULTILINE)


def lab_calls(source: str) -> list[str]:
    """The lab functions a cell calls (``gateway_lab(...)``), not definitions or the shared ``build_lab``."""
    return _LAB_CALL.findall(source)


def presenter_css(font: int = 22) -> str:
    """The style of a presenter page: the whole page zoomed so body text is `font` pixels (16 px unzoomed).

    Zooming keeps each lab's layout (labels, sliders and readouts keep their proportions), where
    enlarging the fonts alone would make the labels overlap their controls.
    """
    return f"""<style>
html {{ zoom: {font / 16:.3f}; }}
body, .jp-RenderedHTMLCommon {{ font-size: 16px; line-height: 1.45; }}
.jp-OutputArea-output img {{ max-width: 100%; height: auto; }}
</style>"""


_CDN = re.compile(r'\s*<link rel="stylesheet" href="https://cdn\.jsdelivr\.net/[^"]*"[^>]*>')


def _lab_template() -> Path:
    """Voila's own ``lab`` page template, as installed beside Jupyter."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("voila", "templates", "lab"):
        if (Path(folder) / "index.html.j2").is_file():
            return Path(folder) / "index.html.j2"
    raise FileNotFoundError("Voila's lab template was not found: install the extra, pip install -e '.[present]'")


def write_template(folder: Path, font: int = 22) -> Path:
    """Write the Voila template ``present`` under `folder`: Voila's lab page, large type, nothing from a CDN.

    It is Voila's own page with its two style sheets from a CDN (icons no lab uses) left out and the
    presenter style added. Returns the folder to put first on ``JUPYTER_PATH``.
    """
    page = _CDN.sub("", _lab_template().read_text(encoding="utf-8"))
    if "{%- endblock notebook_css -%}" not in page:
        raise ValueError("Voila's lab template changed: presenter mode cannot add its style to it")
    page = page.replace("{%- endblock notebook_css -%}", presenter_css(font) + "\n{%- endblock notebook_css -%}", 1)
    template = folder / "voila" / "templates" / "present"
    template.mkdir(parents=True, exist_ok=True)
    (template / "conf.json").write_text('{"base_template": "lab"}\n', encoding="utf-8")
    (template / "index.html.j2").write_text(page, encoding="utf-8")
    return folder


def _bound_names(source: str) -> set[str]:
    """The names a cell binds at its top level (imports, assignments, definitions)."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        else:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _used_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def presenter_notebook(lesson: nbformat.NotebookNode, name: str = "the lesson"):
    """The presenter page of `lesson`: title, imports, and each lab under its section's title and text."""
    code = [c for c in lesson.cells if c.cell_type == "code"]
    if not code:
        raise ValueError(f"{name} has no code cell: nothing to present")
    imports = code[0].source
    known = _bound_names(imports) | set(dir(builtins))
    title, section, before = name, "", ""
    cells: list = []
    labs = 0
    for cell in lesson.cells:
        if cell.cell_type == "markdown":
            headings = _HEADING.findall(cell.source)
            for level, text in headings:
                if len(level) == 1 and title == name:
                    title = text
                else:
                    section = text
            parts = _HEADING.split(cell.source)  # text, then (level, heading, text) per heading
            before = parts[-1].strip()
            continue
        if cell is code[0] or not lab_calls(cell.source):
            before = ""
            continue
        missing = sorted(_used_names(cell.source) - known)
        if missing:
            raise ValueError(
                f"{name}: the lab cell {cell.source.strip()!r} uses {', '.join(missing)}, defined on the way through "
                "the lesson; a presenter page runs only the import cell and the labs, so build the lab from imports"
            )
        text = f"## {section}" + (f"\n\n{before}" if before else "")
        cells += [nbformat.v4.new_markdown_cell(text), nbformat.v4.new_code_cell(cell.source)]
        labs += 1
        before = ""
    if not labs:
        raise ValueError(f"{name} has no lab (a cell calling <topic>_lab()): nothing to present")
    cells[0:0] = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell(imports)]
    page = nbformat.v4.new_notebook(cells=cells)
    page.metadata["kernelspec"] = dict(KERNELSPEC)
    for index, cell in enumerate(page.cells):
        cell.id = f"presenter-{index}"
        cell.metadata["tags"] = [PRESENT_TAG]
    return page


def find_lesson(lesson: str, lessons: str | Path | None = None) -> Path:
    """The lesson whose file name starts with `lesson` ("02", "2" or "02_load"); ValueError lists the lessons."""
    folder = Path(lessons) if lessons is not None else _ROOT / "lessons"
    if not folder.is_dir():
        folder = Path("lessons")
    prefix = f"{int(lesson):02d}" if str(lesson).isdigit() else str(lesson)
    found = sorted(p for p in folder.glob("*.ipynb") if p.name.startswith(prefix))
    names = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or "none"
    if not lesson or len(found) != 1:
        raise ValueError(f"name one lesson, e.g. make present LESSON=02 (got {lesson!r}; lessons: {names})")
    return found[0]


def present(
    lesson: str,
    *,
    port: int = 8866,
    lessons: str | Path | None = None,
    font: int = 22,
    build: str | Path | None = None,
    dry_run: bool = False,
) -> int:
    """Write the presenter page of `lesson` and serve it with Voilà on 127.0.0.1:`port`; the exit status."""
    try:
        path = find_lesson(lesson, lessons)
        page = presenter_notebook(read_notebook(path), path.name)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = Path(build) if build is not None else _ROOT / "build" / "present"
    target.mkdir(parents=True, exist_ok=True)
    notebook = target / path.name
    write_notebook(page, notebook)
    share = write_template(target / "share", font)
    command = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser",
        "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=True", "--theme=light", "--template=present",
    ]  # fmt: skip
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(share.resolve()), env.get("JUPYTER_PATH")) if p)
    print(f"presenter page: {notebook}")
    print(f"open http://127.0.0.1:{port}/ on this machine (Ctrl-C stops it)")
    if dry_run:
        print(f"JUPYTER_PATH={shlex.quote(env['JUPYTER_PATH'])} {shlex.join(command)}")
        return 0
    try:
        return subprocess.call(command, cwd=target, env=env)
    except KeyboardInterrupt:
        return 0
