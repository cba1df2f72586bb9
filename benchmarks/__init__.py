"""Speed and quality benchmarks: ``python -m benchmarks <name>`` (no name lists them).

Each benchmark runs our code and its peers (other libraries, or the bare training loop) side by
side in the same process, prints a table of figures, ratios and targets, and writes JSON to
``benchmarks/results/<name>.json``. Benchmarks are not part of the test suite.
"""

import ast
from pathlib import Path


def _benchmarks() -> dict[str, str]:
    """{name: what it measures} of every module here with a top-level ``main``: a new benchmark is
    its own file, listed by the first paragraph of its docstring."""
    found = {}
    for path in sorted(Path(__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text())
        if path.stem != "__main__" and any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            found[path.stem] = " ".join((ast.get_docstring(tree) or "").split("\n\n")[0].split())
    return found


BENCHMARKS = _benchmarks()
