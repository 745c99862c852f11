"""What ppexpert ships: the knowledge base, the example plans and their schemas.

An installed wheel carries them under `ppexpert/_shipped/` (copied there at build time by setup.py from the
checkout's top-level `knowledge/`, `examples/` and `schemas/`); a checkout or an editable install reads those
top-level folders directly. Either way the three folders sit side by side, so `knowledge/../examples` holds.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from ppexpert.knowledge.problems import InputError, Problem, Span

SHIPPED_FOLDERS = ("knowledge", "examples", "schemas")
_PACKAGE = Path(__file__).resolve().parents[1]


def shipped_root() -> Path:
    """The folder holding the shipped knowledge/, examples/ and schemas/ (in the wheel, or the checkout)."""
    packaged = _PACKAGE / "_shipped"
    if (packaged / "knowledge" / "parameters.yaml").is_file():
        return packaged
    return _PACKAGE.parents[1]  # src/ppexpert -> the checkout


def shipped_knowledge() -> Path:
    return shipped_root() / "knowledge"


def example_folders(knowledge: Path | None = None) -> list[Path]:
    """Where example plans are looked up: beside the knowledge base in use, then the shipped ones."""
    folders = [knowledge.resolve().parent / "examples"] if knowledge is not None else []
    shipped = (shipped_root() / "examples").resolve()
    return [f for f in dict.fromkeys([*(f.resolve() for f in folders), shipped]) if f.is_dir()]


def examples(knowledge: Path | None = None) -> dict[str, Path]:
    """Example plans by id (the file name without .yaml); a project's own examples hide shipped ones of that id."""
    found: dict[str, Path] = {}
    for folder in example_folders(knowledge):
        for path in sorted(folder.glob("*.yaml")):
            found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def resolve_scenario(name: str | Path, knowledge: Path | None = None) -> Path:
    """A scenario argument as a file: an existing path, else an example plan's id (`us-28-point-plan`, or its file
    name); for a bare name that is neither, InputError with the closest ids."""
    path = Path(name)
    if path.is_file():
        return path
    known = examples(knowledge)
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    if path.parent == Path(".") and stem in known:
        return known[stem]
    if path.parent != Path(".") or path.suffix:
        return path  # a file path that is not there: the loader says "file not found"
    close = difflib.get_close_matches(stem, list(known), n=3, cutoff=0.5)
    hint = (f"did you mean {' or '.join(close)}? " if close else "") + (
        f"give a scenario file, or an example id ({', '.join(known)}; `ppexpert examples` lists them)")
    raise InputError([Problem(Span(str(name)), (), f"no scenario file or example plan called '{name}'", hint,
                              code="missing-file")])
