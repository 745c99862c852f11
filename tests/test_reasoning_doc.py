"""docs/reasoning.md shows real output: every `$ ppexpert ...` line in its code blocks is run (100 columns, no
colour), and each line shown under it, up to the next command, must be printed, in that order (`...` stands for
lines left out; the tree's drawing characters and runs of spaces are not compared)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from _support import run_cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reasoning.md"
_DRAWING = re.compile(r"[│├└─]")


def _normal(text: str) -> str:
    return " ".join(_DRAWING.sub(" ", text).split())


def _commands() -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)
    found = []
    for block in blocks:
        current = None
        for line in block.splitlines():
            if line.startswith("$ ppexpert "):
                current = (line[2:], [])
                found.append(current)
            elif current is not None:
                current[1].append(line)
    return found


COMMANDS = _commands()


def test_the_document_shows_every_part_of_the_reasoning_with_real_commands():
    text = DOC.read_text()
    for heading in ("## Dates", "## Unknown inputs", "## Kinds of conclusion", "## The role of each citation",
                    "## Every ground of a conclusion", "## Floors"):
        assert heading in text
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command, shown", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_each_command_prints_what_the_document_shows(command, shown):
    result = run_cli(*shlex.split(command)[1:], env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    output = _normal(result.stdout)
    position = 0
    for line in shown:
        expected = _normal(line)
        if not expected or expected == "...":
            continue
        found = output.find(expected, position)
        assert found >= 0, f"{command}: not printed (in this order): {line!r}"
        position = found + len(expected)
