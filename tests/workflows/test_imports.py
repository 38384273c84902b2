"""The workflow modules import one another one way only: a stage never reaches back into the
workflow that holds it, not even for type checking."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

WORKFLOWS = Path(__file__).parent.parent.parent / "workflows"


def import_graph() -> dict[str, set[str]]:
    """Each module in workflows/ and the modules of workflows/ it imports, anywhere in it."""
    graph: dict[str, set[str]] = {}
    for path in sorted(WORKFLOWS.glob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "workflows":
                    names = [f"workflows.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            imported |= {
                name.removeprefix("workflows.") for name in names if name.startswith("workflows.")
            }
        graph[path.stem] = imported
    return graph


def test_workflow_modules_import_each_other_one_way_only() -> None:
    graph = import_graph()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"workflow modules import each other: {error.args[1]}") from None
    assert set(order) >= set(graph)
