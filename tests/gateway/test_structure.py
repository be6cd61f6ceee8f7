"""course.gateway imports without cycles and never imports another lesson's package."""

import ast
from pathlib import Path

import networkx as nx

import course.gateway

PACKAGE = Path(course.gateway.__file__).parent
OTHER_LESSONS = ("balancing", "messaging", "streams")


def imports(path):
    """The modules `path` imports, as (level, dotted name) pairs."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
        elif isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
    return found


def test_the_modules_of_course_gateway_import_each_other_without_cycles():
    graph = nx.DiGraph()
    for path in PACKAGE.glob("*.py"):
        graph.add_node(path.stem)
        for level, module in imports(path):
            if level == 1 and module:
                graph.add_edge(path.stem, module.split(".")[0])
    assert len(graph) > 10 and nx.is_directed_acyclic_graph(graph), list(nx.simple_cycles(graph))


def test_course_gateway_imports_only_the_shared_layer_of_the_course():
    for path in PACKAGE.glob("*.py"):
        for level, module in imports(path):
            named = (
                module.split(".")[0] if level == 2 else (module.split(".")[1] if module.startswith("course.") else "")
            )
            assert named not in OTHER_LESSONS, f"{path.name} imports course.{named}: lessons stand alone"
