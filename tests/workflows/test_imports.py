"""The workflow modules import one another one way only: a stage never reaches back into the
workflow that holds it, not even for type checking."""

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from models.kinds import KINDS

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


def test_each_kinds_workflow_input_loads_no_sqlmodel() -> None:
    """A workflow's input lives with its kind's rules; importing it must not load SQLModel
    (or SQLAlchemy) into the workflow sandbox."""
    inputs = sorted({kind.input.__module__ for kind in KINDS.values()})
    probe = "import sys, importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in inputs)
    probe += "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlmodel', 'sqlalchemy'}))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]", (inputs, loaded)
