"""`ppexpert check`: one broken knowledge folder per error mode, each checked against the fragments its message
must carry (file:line:col, the problem's code, the YAML path, words of the hint).

Each fixture under tests/fixtures/broken/<mode>/ holds only the files that differ from the minimal valid base
(tests/fixtures/broken/_base/); the test copies the base, lays the mode's files over it and runs the check.
"""
import shutil
from pathlib import Path

import pytest

from ppexpert.cli import main

BROKEN = Path(__file__).parent / "fixtures" / "broken"

# mode -> (exit code, fragments the output must contain)
CASES = {
    "yaml-syntax": (2, ["knowledge/rules/extra.yaml:4:12", "error[yaml-syntax]", "hint: fix the YAML syntax"]),
    "duplicate-key": (2, ["knowledge/provisions/xx/extra.yaml:6:5", "error[duplicate-key]",
                          "duplicate key 'article' (first defined on line 5)", "at provisions.art-9.article"]),
    "unknown-key": (2, ["knowledge/rules/extra.yaml:5:5", "error[unknown-key]", "unknown key 'whenn'",
                        "at rules[0].whenn", "allowed keys here: because, context, id, note, overrides"]),
    "wrong-type": (2, ["knowledge/rules/extra.yaml:5:11", "error[wrong-type]", "valid list", "at rules[0].when",
                       "write a list"]),
    "bad-word": (2, ["knowledge/sources.yaml:8:11", "error[bad-word]", "'website' is not an allowed word",
                     "at sources.almanac.kind", "'dataset'"]),
    "unknown-provision": (2, ["knowledge/rules/extra.yaml:4:16", "error[unknown-reference]",
                              "rests on unknown provision or baseline 'xx.charter.art-2'", "at rules[0].rests_on[0]",
                              "(EXTRA)", "did you mean 'xx.charter.art-1'?"]),
    "unknown-source": (2, ["knowledge/provisions/xx/extra.yaml:2:9", "error[unknown-source]",
                           "unknown source 'gazette'", "known ids: almanac, charter"]),
    "unknown-baseline": (2, ["knowledge/rules/extra.yaml:6:16", "error[unknown-reference]",
                             "unknown baseline 'xx.land.patrolled'", "at rules[0].when[0].fact",
                             "did you mean 'xx.land.guarded'?"]),
    "unknown-parameter": (2, ["knowledge/rules/extra.yaml:6:17", "unknown parameter 'cede'",
                              "at rules[0].when[0].input", "did you mean 'ceded'?"]),
    "unknown-conclusion": (2, ["knowledge/rules/extra.yaml:6:22", "no rule concludes 'violation.xx.charter.art-2'",
                               "at rules[0].when[0].conclusion", "did you mean 'violation.xx.charter.art-1'?"]),
    "dangling-override": (2, ["knowledge/rules/extra.yaml:5:17", "error[dangling-override]",
                              "overrides unknown rule LAND-MEDIUM", "at rules[0].overrides[0]", "'LAND-HIGH'"]),
    "cycle": (2, ["knowledge/rules/extra.yaml:2:5", "error[cycle]", "EXTRA-A -> EXTRA-B -> EXTRA-A",
                  "break the cycle"]),
    "never-fires-range": (2, ["knowledge/rules/extra.yaml:6:34", "error[never-fires]", "rule EXTRA can never fire",
                              "'ceded is at least 150' never holds", "from 0 to 100", "at rules[0].when[0].at_least"]),
    "never-fires-choice": (2, ["knowledge/rules/extra.yaml:6:27", "error[bad-word]",
                               "'angry' is not an allowed value of mood", "allowed: calm, tense", "never holds"]),
    "never-fires-contradiction": (2, ["knowledge/rules/extra.yaml:7:31", "rule EXTRA can never fire",
                                      "'ceded is at least 60' and 'ceded is below 40' cannot both hold",
                                      "knowledge/rules/extra.yaml:14:22", "rule EXTRA-LATER can never fire",
                                      "only EXTRA concludes"]),
    "never-fires-level": (2, ["knowledge/rules/extra.yaml:6:37", "error[never-fires]",
                              "'risk.land is medium' never holds", "give only low, high"]),
    "conflict": (2, ["knowledge/rules/land.yaml:24:5", "error[conflict]", "knowledge/rules/extra.yaml:2:5",
                     "knowledge/rules/land.yaml:17:5", "risk.land = medium and = high, with no precedence",
                     "add `overrides: [EXTRA]` to LAND-HIGH"]),
    "floor-contradicted": (2, ["knowledge/rules/extra.yaml:9:31", "error[floor]", "at rules[0].then.level (EXTRA)",
                               "rule EXTRA concludes risk.land = medium, but whenever it applies LAND-VIOLATION",
                               "the scale's floor (knowledge/scale.yaml:7:9) makes the area at least high",
                               "expected level high or above for EXTRA"]),
    "floor-kind": (2, ["knowledge/scale.yaml:7:15", "error[bad-word]", "at levels[2].floors[0].kind",
                       "names the kind 'verdict', which no rule can conclude", "expected one of: violation"]),
    "unused-fact": (0, ["knowledge/provisions/xx/extra.yaml:4:3", "warning[unused-fact]",
                        "provision xx.extra.art-9 is not used by any rule", "0 errors, 1 warning"]),
    "engine-limit-conditions": (2, ["knowledge/rules/extra.yaml:5:5", "error[engine-limit]",
                                    "rule EXTRA has 33 conditions; durable_rules takes at most 32",
                                    "split it into two rules"]),
    "violation-of-preamble": (2, ["knowledge/rules/extra.yaml:4:16", "error[violation-of-non-binding]",
                                  "concludes a violation resting on xx.extra.preamble, a preamble",
                                  "at rules[0].rests_on[0]", "conclude a `commitment`", "move xx.extra.preamble to "
                                  "`context:`"]),
    "violation-of-political-text": (2, ["knowledge/rules/extra.yaml:4:34", "error[violation-of-non-binding]",
                                        "resting on xx.extra.principle-4, politically, not legally, binding",
                                        "at rules[0].rests_on[1]", "1 error, 0 warnings"]),
    "requirement-uncited": (2, ["knowledge/rules/extra.yaml:10:19", "error[uncited-rule]",
                                "names xx.emergency.art-5 under `barred_by` without resting on it",
                                "at rules[0].then.barred_by[0]", "add it to `rests_on`"]),
    "requirement-incomplete": (2, ["knowledge/rules/extra.yaml:7:5", "error[bad-shape]",
                                   "a requirement needs `step`", "`met_by`", "at rules[0].then"]),
    "bad-binding": (2, ["knowledge/provisions/xx/extra.yaml:3:1", "error[bad-word]",
                        "`binding` is legal or political, not 'moral'", "at binding", "binding: political"]),
    "plan-specific-sentence": (0, ["knowledge/rules/extra.yaml:8:14", "warning[plan-specific-sentence]",
                                   "names a plan point ('Point 21')", "at rules[0].because", "{plan.title}",
                                   "knowledge/claims.yaml", "0 errors, 1 warning"]),
    "commitment-of-legal-text": (0, ["knowledge/rules/extra.yaml:7:24", "warning[commitment-of-legal-text]",
                                     "xx.charter.art-1 is legally binding", "at rules[0].then.commitment",
                                     "binding: political", "0 errors, 1 warning"]),
    "several-files": (2, ["knowledge/areas.yaml:6:5", "unknown key 'colour'", "knowledge/rules/extra.yaml:4:16",
                          "'xx.charter.art-7'", "2 errors, 0 warnings"]),
}


def _check(mode: str, tmp_path: Path, monkeypatch, capsys) -> tuple[int, str]:
    shutil.copytree(BROKEN / "_base", tmp_path / "knowledge")
    if mode:
        shutil.copytree(BROKEN / mode, tmp_path / "knowledge", dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PPEXPERT_KNOWLEDGE", raising=False)
    code = main(["check"])
    return code, capsys.readouterr().out


def test_every_error_mode_has_a_fixture_and_every_fixture_a_case():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and p.name != "_base") == sorted(CASES)


def test_the_base_of_the_broken_fixtures_checks_clean(tmp_path, monkeypatch, capsys):
    code, out = _check("", tmp_path, monkeypatch, capsys)
    assert code == 0, out
    assert out == "checked 7 files: 0 errors, 0 warnings\n"


@pytest.mark.parametrize("mode", sorted(CASES))
def test_each_broken_fixture_is_reported_with_file_line_code_and_hint(mode, tmp_path, monkeypatch, capsys):
    expected_code, fragments = CASES[mode]
    code, out = _check(mode, tmp_path, monkeypatch, capsys)
    assert code == expected_code, out
    for fragment in fragments:
        assert fragment in out, f"{fragment!r} missing from:\n{out}"
    if expected_code == 2:
        assert "hint: " in out
