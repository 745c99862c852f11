"""docs/authoring.md still works: its YAML snippets are applied to a copy of the project in document order,
its commands run through the real CLI, and their output must match what the page shows.

In the page's console blocks a line `...` skips any number of output lines, and `...` inside a line matches
any text; every other line must appear, in order (trailing spaces aside).
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "authoring.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.S | re.M)


def steps(text: str) -> list[tuple[str, str, str]]:
    """(language, attributes, body) of each fenced block that is part of the walkthrough."""
    walkthrough = text[text.index("## Walkthrough"):]
    walkthrough = walkthrough[:walkthrough.index("\n## ", 3)]
    return [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer(walkthrough)]


def apply_snippet(root: Path, language: str, attributes: str, body: str) -> None:
    target = root / re.search(r'title="([^"]+)"', attributes).group(1)
    if language == "diff":
        text = target.read_text()
        removed = [line[1:] for line in body.splitlines() if line.startswith("-")]
        added = [line[1:] for line in body.splitlines() if line.startswith("+")]
        for old, new in zip(removed, added):
            assert old in text, f"the page's diff does not apply to {target}: {old!r}"
            text = text.replace(old, new)
        target.write_text(text)
    elif "append" in attributes.split():
        target.write_text(target.read_text().rstrip("\n") + "\n" + body)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)


def commands(body: str) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return found


def matches(expected: list[str], actual: list[str]) -> str | None:
    """None when `expected` (with `...` lines and `...` wildcards) matches `actual` in order; else why not."""
    position = 0
    skipping = False
    for line in expected:
        if line.strip() == "...":
            skipping = True
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in line.rstrip().split("...")) + r"\Z")
        while position < len(actual) and not pattern.match(actual[position].rstrip()):
            if not skipping:
                return f"expected {line!r}, got {actual[position]!r}"
            position += 1
        if position == len(actual):
            return f"expected {line!r}, not found"
        position += 1
        skipping = False
    if not skipping and position != len(actual):
        return f"unexpected output from {actual[position]!r} on"
    return None


def run(root: Path, command: str) -> list[str]:
    if command.startswith("rm "):
        (root / command[3:]).unlink()
        return []
    assert command.startswith("ppexpert "), command
    env = {k: v for k, v in os.environ.items() if k != "PPEXPERT_KNOWLEDGE"}
    result = subprocess.run([sys.executable, "-m", "ppexpert", *command.split()[1:]], cwd=root,
                            env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return (result.stdout + result.stderr).splitlines()


def test_the_walkthrough_has_snippets_and_commands():
    kinds = [language for language, _, _ in steps(DOC.read_text())]
    assert kinds.count("yaml") >= 3 and "diff" in kinds and kinds.count("console") >= 4


def test_the_authoring_walkthrough_runs_as_written(tmp_path):
    for folder in ("knowledge", "examples", "tests/cases"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for language, attributes, body in steps(DOC.read_text()):
        if language in ("yaml", "diff"):
            apply_snippet(tmp_path, language, attributes, body)
            continue
        for command, expected in commands(body):
            problem = matches(expected, run(tmp_path, command))
            assert problem is None, f"`{command}` in docs/authoring.md: {problem}"


@pytest.mark.parametrize("expected, actual, ok", [
    (["a", "...", "c"], ["a", "b", "b", "c"], True),
    (["a", "c"], ["a", "b", "c"], False),
    (["checked ... files: 0 errors"], ["checked 12 files: 0 errors"], True),
    (["checked ... files: 0 errors"], ["checked 12 files: 1 error"], False),
    (["a", "..."], ["a", "b"], True),
    (["a"], ["a", "b"], False),
])
def test_the_output_comparison_honours_ellipses_and_nothing_else(expected, actual, ok):
    assert (matches(expected, actual) is None) == ok
