"""`ppexpert init DIR`: a researcher's own knowledge project, started from what ppexpert ships.

The project is laid out as this checkout is, so every command run inside it finds its `knowledge/` folder:

    DIR/knowledge/          a copy of the shipped knowledge base, to extend
    DIR/examples/           one plan (the seed article's calculator)
    DIR/tests/cases/        one YAML test case, run by `ppexpert test`
    DIR/schemas/            JSON Schemas that know this knowledge base's parameters (`ppexpert schema` rewrites them)
    DIR/.vscode/settings.json   tells the editor's YAML extension which schema each file follows
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ppexpert.authoring.schema import write_schemas
from ppexpert.knowledge.problems import InputError, Problem, Span
from ppexpert.knowledge.shipped import shipped_root

EXAMPLE = "seed-calculator"
CASE = f"""\
# yaml-language-server: $schema=../../schemas/cases.schema.json
# A YAML test case: a sentence, a scenario, the conclusions expected. `ppexpert test` runs every file here.
cases:
  - name: The calculator's full amnesty for war crimes is a high accountability risk that breaches the duty to prosecute
    scenario: examples/{EXAMPLE}.yaml
    expect:
      risk.accountability: high
      violation.intl.geneva-convention-iv.art-146: present
"""
EDITOR_SCHEMAS = {  # schema file -> the files it governs, for editors that ignore the first-line comment
    "schemas/scenario.schema.json": ["examples/*.yaml"],
    "schemas/cases.schema.json": ["tests/cases/*.yaml"],
    "schemas/rules.schema.json": ["knowledge/rules/*.yaml"],
    "schemas/provisions.schema.json": ["knowledge/provisions/**/*.yaml"],
    "schemas/baselines.schema.json": ["knowledge/baselines/**/*.yaml"],
    "schemas/parameters.schema.json": ["knowledge/parameters.yaml"],
    "schemas/sources.schema.json": ["knowledge/sources.yaml"],
    "schemas/claims.schema.json": ["knowledge/claims.yaml"],
    "schemas/areas.schema.json": ["knowledge/areas.yaml"],
    "schemas/scale.schema.json": ["knowledge/scale.yaml"],
}


def start_project(folder: Path) -> list[Path]:
    """Create the project in `folder` (new or empty); return the files and folders made, for the user to see."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError([Problem(Span(str(folder)), (), f"{folder} exists and is not an empty folder",
                                  "give a new folder name: ppexpert init my-project", code="exists")])
    shipped = shipped_root()
    made = [folder / "knowledge", folder / "examples" / f"{EXAMPLE}.yaml", folder / "tests" / "cases" / "first.yaml",
            folder / "schemas", folder / ".vscode" / "settings.json"]
    shutil.copytree(shipped / "knowledge", made[0], ignore=shutil.ignore_patterns("__pycache__"))
    made[1].parent.mkdir(parents=True)
    shutil.copyfile(shipped / "examples" / f"{EXAMPLE}.yaml", made[1])
    made[2].parent.mkdir(parents=True)
    made[2].write_text(CASE, encoding="utf-8")
    write_schemas(made[3], knowledge=made[0])
    made[4].parent.mkdir(parents=True)
    settings = {"yaml.schemas": EDITOR_SCHEMAS, "files.associations": {"*.yaml": "yaml"}}
    made[4].write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return made
