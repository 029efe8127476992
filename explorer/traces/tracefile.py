"""Reading and writing trace files (JSON), with one-line errors for bad ones.

Version 2 records where the model came from (``source``: its module and, for a
user's model, its file relative to the project root).  Version 1 files, which
name the model by id only, still load and replay.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from distcheck.contract import catalog, files
from distcheck.contract.errors import BadInput
from distcheck.contract.verdict import TRACE_FORMAT, TRACE_VERSION, Trace, TraceStep


def save(trace: Trace, path: str | Path, root: Path | None = None) -> Path:
    """Write ``trace`` as indented JSON, atomically (a reader never sees half a file).

    The model's file is written relative to ``root`` (default: the project
    root around the current directory) when it lies inside it, so a trace
    committed to a repository replays in every clone of it.
    """
    path = Path(path)
    data = trace.to_json()
    if "file" in data.get("source", {}):
        root = (root or catalog.project_root(catalog.project_config())).resolve()
        file = Path(data["source"]["file"])
        if file.is_absolute() and file.resolve().is_relative_to(root):
            data["source"]["file"] = file.resolve().relative_to(root).as_posix()
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    return files.write_atomic(path, text, "trace")


def file_name(model_id: str, prop: str) -> str:
    return f"{model_id}.{prop}.json"


def load(path: str | Path) -> Trace:
    """Read a trace file; BadInput (one line) if missing, corrupt, truncated, foreign or hostile.

    Only a regular file is read, and only up to :data:`MAX_TRACE_BYTES`; the
    document may nest at most :data:`MAX_NESTING` levels, and its strings must
    be valid Unicode (JSON can spell a lone surrogate, which no output can print).
    """
    path = Path(path)
    raw = files.read_capped(path, "trace file", MAX_TRACE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a trace file (not UTF-8 text)") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        what = "truncated" if exc.pos >= len(text.rstrip()) else "corrupt"
        raise BadInput(
            f"{path}: {what} trace file (invalid JSON at line {exc.lineno}, column {exc.colno}); "
            "regenerate it with 'distcheck check --save-traces DIR'"
        ) from None
    except RecursionError:
        raise BadInput(f"{path}: not a trace file (JSON nested deeper than "
                       f"{MAX_NESTING} levels)") from None
    except ValueError as exc:  # an integer past Python's int_max_str_digits, NaN, Infinity
        raise BadInput(f"{path}: not a trace file ({_first_clause(exc)})") from None
    _check_document(data, path)
    trace = from_json(data, str(path))
    if trace.source is not None and "file" in trace.source:
        trace.source["file"] = _locate(trace.source["file"], path)
    return trace


#: a trace larger than this is refused rather than read into memory
MAX_TRACE_BYTES = 64 * 1024 * 1024
#: deeper documents are refused: a state renders to a few levels, and deeper ones
#: would exhaust the recursion of everything that later walks the state
MAX_NESTING = 100
#: digits an integer in a trace may have (Python's own default cap is 4,300)
MAX_DIGITS = 1000


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _first_clause(exc: Exception) -> str:
    return str(exc).split(";")[0].split(":")[0].strip()


def _check_document(data: Any, path: Path) -> None:
    """BadInput for nesting past :data:`MAX_NESTING`, a huge integer, or a lone surrogate.

    Iterative, so the check itself cannot run out of stack.
    """
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if depth > MAX_NESTING:
            raise BadInput(f"{path}: not a trace file (JSON nested deeper than {MAX_NESTING} levels)")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path)
                todo.append((item, depth + 1))
        elif isinstance(value, list):
            todo.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, int) and abs(value).bit_length() > MAX_DIGITS * 3.33:
            raise BadInput(f"{path}: not a trace file (an integer with more than "
                           f"{MAX_DIGITS:,} digits)")


def _check_text(text: str, path: Path) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{path}: not a trace file (a string holds invalid Unicode, a lone "
                       "surrogate such as \\ud800)") from None


def _locate(file: str, trace_path: Path) -> str:
    """A trace's relative model file made absolute: from the current project's root,
    else from the nearest folder above the trace that has it (the trace's own
    project, wherever it is run from).  Unchanged when neither has it.
    """
    if Path(file).is_absolute():
        return file
    here = trace_path.resolve().parent
    folders = [catalog.project_root(catalog.project_config()), here, *here.parents]
    for folder in folders:
        if (folder / file).is_file():
            return str((folder / file).resolve())
    return file


def from_json(data: Any, where: str = "trace") -> Trace:
    """Validate a decoded trace document and build a Trace."""
    if not isinstance(data, dict) or data.get("format") != TRACE_FORMAT:
        raise BadInput(f"{where}: not a distcheck trace (no \"format\": \"{TRACE_FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or version > TRACE_VERSION or version < 1:
        raise BadInput(
            f"{where}: trace format version {version!r} is not supported "
            f"(this distcheck reads version {TRACE_VERSION})"
        )
    _need(data, where, "model", str)
    _need(data, where, "property", str)
    _need(data, where, "params", dict)
    _need(data, where, "steps", list)
    if "initial" not in data:
        raise BadInput(f"{where}: trace has no initial state")
    steps = []
    for i, st in enumerate(data["steps"], start=1):
        if not (isinstance(st, dict) and isinstance(st.get("action"), str)
                and isinstance(st.get("args", {}), dict) and "state" in st):
            raise BadInput(f"{where}: step {i} is malformed (needs action, args and state)")
        label = st.get("branch")
        if label is not None and (isinstance(label, bool) or not isinstance(label, (str, int))):
            raise BadInput(f"{where}: step {i} has branch {label!r}; a branch is a string or an int")
        steps.append(TraceStep(st["action"], st.get("args", {}), st["state"], st.get("fault"),
                               label))
    loop_start = data.get("loop_start")
    if loop_start is not None and not (isinstance(loop_start, int) and 0 <= loop_start <= len(steps)):
        raise BadInput(f"{where}: loop_start {loop_start!r} is not a step index of this trace")
    seed = data.get("seed")
    source = data.get("source")  # absent in version 1
    if source is not None and not (
        isinstance(source, dict) and isinstance(source.get("module"), str)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in source.items())
    ):
        raise BadInput(f"{where}: trace field 'source' must map module (and file) to strings")
    return Trace(
        model=data["model"],
        params=data["params"],
        property=data["property"],
        kind=str(data.get("kind", "invariant")),
        engine=str(data.get("engine", "?")),
        message=str(data.get("message", "")),
        initial=data["initial"],
        steps=steps,
        seed=seed if isinstance(seed, int) else None,
        loop_start=loop_start,
        source=dict(source) if source is not None else None,
    )


def _need(data: dict, where: str, key: str, kind: type) -> None:
    if not isinstance(data.get(key), kind):
        raise BadInput(f"{where}: trace field {key!r} is missing or not a {kind.__name__}")
