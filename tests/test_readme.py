"""The README's model example is real: it runs and its verdicts are the declared ones."""

from __future__ import annotations

import re
from pathlib import Path

from distcheck.engines.bfs import check

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_model_checks_as_declared() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python example"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    model = namespace["RowLock"](clients=3)
    results = check(model)
    assert [r.property for r in results] == ["mutual_exclusion", "someone_enters"]
    assert all(r.verdict == r.expected for r in results), [r.reason for r in results]
