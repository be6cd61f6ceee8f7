"""Off-limits code: a static look at the cells an answer is made of, for library code the question forbids.

A question may name library code its answer must not use (``off_limits=("course.gateway.TokenBucket",)``);
the checks' own reference code (anything in ``course.checks`` but ``check`` and the exercise's givens)
is off-limits for every question. The answer's cells are found from the check cell: the expression
passed to ``check("<id>", answer)`` and, transitively, the top-level definitions it refers to
(functions, classes, assignments, imports) in the cells up to the check cell. A use is an import of
the name, an attribute path through an imported module (``gateway.TokenBucket``), the bare name
when nothing in the notebook defines it (a star import), or text naming it (``getattr(g, "TokenBucket")``).
A determined learner can still hide a name from a static look (building it from pieces of text); the
README says so.

Taught in the README's section for instructors.

>>> cells = ["from course.gateway import TokenBucket as TB", "class Mine(TB):\\n    pass",
...          "check('gateway.token_bucket', Mine)"]
>>> off_limits_use(cells, 2, "gateway.token_bucket", ("course.gateway.TokenBucket",))
'uses course.gateway.TokenBucket (cell 1), which gateway.token_bucket puts off-limits: write that part yourself'
>>> off_limits_use(["import math", "def f(x):\\n    return math.sqrt(x)", "check('q.x', f)"], 2, "q.x", ("math.*",))
'uses math.sqrt (cell 2), which q.x puts off-limits: write that part yourself'
>>> mine = ["class TokenBucket:\\n    pass", "check('q.x', TokenBucket)"]  # the learner's own class of that name
>>> off_limits_use(mine, 1, "q.x", ("course.gateway.TokenBucket",))
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ALWAYS_ALLOWED", "off_limits_use", "parse_cell"]

CHECKS = "course.checks"
ALWAYS_ALLOWED = ("course.checks.check",)  # and the givens of each domain (course.checks.givens.GIVENS)
_MAGIC = re.compile(r"^(\s*)([%!].*|.*\?)$")
_NAME = re.compile(r"[A-Za-z_][\w.]*")


def parse_cell(source: str) -> ast.Module | None:
    """The cell's syntax tree, with IPython magics and shell lines blanked; None when it does not parse."""
    lines = [_MAGIC.sub(r"\1pass", line) for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _allowed() -> set[str]:
    from course.checks.givens import GIVENS

    allowed = set(ALWAYS_ALLOWED)
    for domain, names in GIVENS.items():
        allowed |= {f"{CHECKS}.{domain}.{name}" for name in names} | {f"{CHECKS}.givens.{name}" for name in names}
    return allowed


@dataclass(frozen=True)
class _Rule:
    entry: str

    @property
    def module(self) -> str:
        return self.entry[:-2] if self.entry.endswith(".*") else self.entry.rsplit(".", 1)[0]

    @property
    def name(self) -> str | None:
        return None if self.entry.endswith(".*") else self.entry.rsplit(".", 1)[1]

    def matches(self, path: str) -> bool:
        if self.name is None:
            return path == self.module or path.startswith(self.module + ".")
        return path == self.entry or (path.startswith(self.module + ".") and path.rsplit(".", 1)[1] == self.name)

    def in_text(self, text: str) -> bool:
        if self.name is None:
            return re.search(rf"\b{re.escape(self.module)}\b", text) is not None
        return re.search(rf"\b{re.escape(self.name)}\b", text) is not None


def _imports(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(bound name, dotted path) for each name an import binds ("*" for a star import)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                yield alias.name.split(".")[0], alias.name.split(".")[0]
    elif node.level == 0 and node.module:
        for alias in node.names:
            yield alias.asname or alias.name, f"{node.module}.{alias.name}" if alias.name != "*" else node.module


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside if/for/while/with/try blocks (not inside definitions)."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", []):
            yield from _statements(handler.body)


def _targets(stmt: ast.stmt) -> list[str]:
    names: list[str] = []
    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
    for target in targets:
        if target is not None:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    for item in getattr(stmt, "items", []):  # with ... as name
        if item.optional_vars is not None:
            names += [n.id for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)]
    return names


class _Notebook:
    """The top-level bindings of the code cells up to the check cell."""

    def __init__(self, cells: list[str], last: int):
        self.trees = {i: parse_cell(src) for i, src in enumerate(cells[: last + 1])}
        self.defs: dict[str, list[tuple[int, ast.AST]]] = {}
        self.imported: dict[str, list[tuple[int, str]]] = {}
        self.stars: list[tuple[int, str]] = []
        for index, tree in self.trees.items():
            for stmt in _statements(tree.body) if tree else []:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    for name, path in _imports(stmt):
                        if name == "*":
                            self.stars.append((index, path))
                        else:
                            self.imported.setdefault(name, []).append((index, path))
                elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self.defs.setdefault(stmt.name, []).append((index, stmt))
                else:
                    for name in _targets(stmt):
                        value = getattr(stmt, "value", None) or getattr(stmt, "iter", None) or stmt
                        self.defs.setdefault(name, []).append((index, value))

    def bound(self, name: str) -> bool:
        return name in self.defs or name in self.imported


def _local_names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            names.add(sub.name)
    return names


def _answer_expressions(tree: ast.Module | None, question_id: str) -> list[ast.AST]:
    if tree is None:
        return []
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0] if node.args else None
            same_id = isinstance(first, ast.Constant) and first.value == question_id
            if called == "check" and same_id and len(node.args) > 1:
                found.append(node.args[1])
    return found or [tree]


def _dotted(node: ast.AST) -> tuple[str, list[str]] | None:
    """(base name, attribute names) of ``a.b.c``; None for anything else."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.insert(0, node.attr)
        node = node.value
    return (node.id, attrs) if isinstance(node, ast.Name) else None


def off_limits_use(cells: list[str], check_cell: int, question_id: str, off_limits: tuple[str, ...]) -> str | None:
    """A sentence naming the first off-limits use in the answer to `question_id`, or None.

    `cells` are the sources of the notebook's cells (markdown as ""), `check_cell` the index of the
    cell tagged ``check:<question_id>``; cell numbers in the sentence count from 1.
    """
    rules = [_Rule(e) for e in off_limits]
    always = _Rule(f"{CHECKS}.*")
    allowed = _allowed()
    nb = _Notebook(cells, check_cell)
    seen: set[int] = set()
    docstrings: set[int] = set()

    def verdict(path: str, cell: int) -> str | None:
        for rule in rules:  # the question's own rules come first: they may forbid an exercise helper too
            if rule.matches(path):
                return f"uses {path} (cell {cell + 1}), which {question_id} puts off-limits: write that part yourself"
        if path in allowed:
            return None
        if always.matches(path) and path != CHECKS:
            return f"uses {path} (cell {cell + 1}), the checks' own reference code, which no answer may use"
        return None

    def resolve(name: str, attrs: list[str], cell: int, local: set[str], work: list) -> str | None:
        if name in local:
            return None
        for where, path in nb.imported.get(name, []):
            full = ".".join([path, *attrs])
            why = verdict(full, cell if attrs else where) or verdict(path, where)
            if why:
                return why
        for where, node in nb.defs.get(name, []):
            if id(node) not in seen:
                seen.add(id(node))
                work.append((where, node, set()))
        if not nb.bound(name) and not hasattr(builtins, name):  # a star import may have brought it
            for rule in rules:
                starred = [p for _, p in nb.stars if rule.matches(f"{p}.{name}")]
                if starred:
                    use = f"{starred[0]}.{name} (cell {cell + 1})"
                    return f"uses {use}, which {question_id} puts off-limits: write that part yourself"
        return None

    def class_attribute(attrs: list[str], cell: int) -> str | None:
        """``anything.TokenBucket``: an off-limits class reached through an object we cannot follow."""
        for rule in rules:
            if rule.name and rule.name[:1].isupper() and rule.name in attrs:
                return (
                    f"uses {rule.name} (cell {cell + 1}), which {question_id} puts off-limits: write that part yourself"
                )
        return None

    def text_use(text: str, cell: int) -> str | None:
        """Text that names an off-limits path (``getattr(m, "TokenBucket")``) or is code using one (``exec``)."""
        if _NAME.fullmatch(text.strip()):
            hit = next((r for r in [*rules, always] if r.in_text(text) and text.strip() not in allowed), None)
            if hit is None or (hit is always and not text.strip().startswith(CHECKS)):
                return None
            where = "the checks' own code, which no answer may use" if hit is always else f"off-limits in {question_id}"
            return f"names {text.strip()} in text (cell {cell + 1}), {where}"
        tree = parse_cell(text) if "\n" in text or "import" in text or "(" in text else None
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                why = next((w for _, p in _imports(node) if (w := verdict(p, cell))), None)
                if why:
                    return why
            elif isinstance(node, ast.Name) and not nb.bound(node.id) and any(r.name == node.id for r in rules):
                return f"uses {node.id} in code given as text (cell {cell + 1}), which {question_id} puts off-limits"
        return None

    def scan(cell: int, node: ast.AST, local: set[str], work: list) -> str | None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            local = local | _local_names(node)
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                docstrings.add(id(body[0].value))
        for sub in ast.iter_child_nodes(node):
            why = None
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                why = next((w for _, p in _imports(sub) if (w := verdict(p, cell))), None)
            elif isinstance(sub, ast.Attribute) and (dotted := _dotted(sub)):
                why = resolve(dotted[0], dotted[1], cell, local, work) or class_attribute(dotted[1], cell)
                if why is None:
                    continue  # the chain's base was resolved: do not look at its parts again
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                why = resolve(sub.id, [], cell, local, work)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and id(sub) not in docstrings:
                why = text_use(sub.value, cell)
            why = why or scan(cell, sub, local, work)
            if why:
                return why
        return None

    work: list[tuple[int, ast.AST, set[str]]] = [
        (check_cell, expr, set()) for expr in _answer_expressions(nb.trees.get(check_cell), question_id)
    ]
    while work:
        cell, node, local = work.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            why = next((w for _, p in _imports(node) if (w := verdict(p, cell))), None)
        else:
            why = scan(cell, ast.Expression(body=node) if isinstance(node, ast.expr) else node, local, work)
        if why:
            return why
    return None
