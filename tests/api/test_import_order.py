"""Every module of the API imports on its own, whichever is imported first: a kind's module,
a service or a page loads no module of its own package half-way."""

import json
import subprocess
import sys
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"

_PROBE = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "api" or m.startswith("api.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=3)
print(json.dumps(failed))
"""


def test_each_api_module_imports_first() -> None:
    names = sorted(
        ".".join(path.relative_to(API.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in API.rglob("*.py")
    )
    assert "api.kinds.purchaser_addition" in names
    found = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
        cwd=API.parent,
    ).stdout
    assert json.loads(found) == {}
