"""Shared helpers for the core tests (imported; pytest puts tests/ on sys.path)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
EXAMPLES = ROOT / "examples"
MINI_KB = ROOT / "tests" / "fixtures" / "kb-mini"
BROKEN_SCENARIOS = ROOT / "tests" / "fixtures" / "scenarios-broken"


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a fresh process, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("PPEXPERT_KNOWLEDGE", None) if not env or "PPEXPERT_KNOWLEDGE" not in env else None
    return subprocess.run([sys.executable, "-m", "ppexpert", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120)


def mini_scenario(**parameters) -> dict:
    return {"id": "mini", "title": "A mini scenario", "parameters": parameters}
