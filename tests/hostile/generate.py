"""Writes the hostile-input corpus beside it (run it again after changing it; the files are committed).

Each scenario file's first line says which problem code the CLI must answer with: `# expect: CODE`. Each
knowledge case is a folder laid over tests/fixtures/broken/_base, with an `expect` file holding the code.
One folder per class of issue 15: 1-aliases, 2-domains, 3-yaml, 4-volume, 7-literals, 9-numbers (9-files: the
knowledge folder's special files). Paths that git cannot hold (a named pipe, a device, a symlink loop, files of
megabytes) are made by tests/test_hostile_corpus.py itself.
"""
from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent
BASE = """id: hostile
title: Hostile input
parameters:
  territory_ceded_pct: 20
  military_cap: {pct_of_current: 40}
assumptions:
  ukraine_troops: {value: 1000000, source: seed-article}
"""


def scenario(cls: str, name: str, expect: str, body: str | bytes) -> None:
    folder = HERE / "scenarios" / cls
    folder.mkdir(parents=True, exist_ok=True)
    head = f"# expect: {expect}\n".encode()
    (folder / f"{name}.yaml").write_bytes(head + (body.encode("utf-8") if isinstance(body, str) else body))


def replaced(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def param(value: str) -> str:
    return replaced("territory_ceded_pct: 20", f"territory_ceded_pct: {value}")


def troops(value: str) -> str:
    return replaced("{value: 1000000, source: seed-article}", f"{{value: {value}, source: seed-article}}")


def bomb(levels: int, width: int = 9) -> str:
    lines = ["l0: &l0 [lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def knowledge(cls: str, name: str, expect: str, files: dict[str, str | bytes]) -> None:
    folder = HERE / "knowledge" / cls / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "expect").write_text(expect + "\n")
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


RULES = (HERE.parent / "fixtures" / "broken" / "_base" / "rules" / "land.yaml").read_text()
PARAMETERS = (HERE.parent / "fixtures" / "broken" / "_base" / "parameters.yaml").read_text()


def rules(old: str, new: str) -> str:
    assert old in RULES
    return RULES.replace(old, new, 1)


def main() -> None:
    for old in ("scenarios", "knowledge"):
        shutil.rmtree(HERE / old, ignore_errors=True)

    # 1. aliases: never expanded (billion laughs), never recursive
    for levels in (2, 3, 5, 8, 9, 12, 20):
        scenario("1-aliases", f"bomb-{levels}-levels", "alias", BASE + bomb(levels))
    scenario("1-aliases", "bomb-wide", "alias", BASE + bomb(3, width=200))
    scenario("1-aliases", "bomb-in-parameters", "alias",
             replaced("parameters:\n", "parameters:\n  x: &a [1, 2, 3]\n  y: [*a, *a, *a, *a]\n"))
    scenario("1-aliases", "recursive-sequence", "alias", BASE + "loop: &x [1, *x]\n")
    scenario("1-aliases", "recursive-mapping", "alias", BASE + "loop: &x {a: *x}\n")
    scenario("1-aliases", "recursive-deep", "alias", BASE + "loop: &x {a: {b: {c: [*x]}}}\n")
    scenario("1-aliases", "alias-of-a-value", "alias",
             replaced("territory_ceded_pct: 20", "territory_ceded_pct: &t 20\n  election_within_days: *t"))
    scenario("1-aliases", "alias-as-a-key", "alias", BASE + "a: &k key\n*k : 1\n")
    scenario("1-aliases", "alias-undefined", "alias", BASE + "a: *nowhere\n")
    scenario("1-aliases", "alias-in-assumptions", "alias",
             replaced("assumptions:\n  ukraine_troops: {value: 1000000, source: seed-article}",
                      "assumptions:\n  ukraine_troops: &t {value: 1000000, source: seed-article}\n"
                      "  russian_troops_in_ukraine: *t"))

    # 2. assumptions and parameters outside their domains
    for name, value, expect in [("zero", "0", "bad-value"), ("negative", "-352000", "bad-value"),
                                ("tiny", "0.00001", "bad-value"), ("fraction", "0.5", "bad-value"),
                                ("nan", ".nan", "bad-value"), ("infinity", ".inf", "bad-value"),
                                ("minus-infinity", "-.inf", "bad-value"), ("exponent-huge", "1.0e+20", "bad-number"),
                                ("above-max", "5000001", "bad-value"), ("text", "lots", "wrong-type"),
                                ("boolean", "true", "wrong-type"), ("null", "null", "wrong-type"),
                                ("list", "[1000000]", "wrong-type"), ("mapping", "{n: 1}", "wrong-type"),
                                ("quoted-number", "'1000000'", "wrong-type")]:
        scenario("2-domains", f"troops-{name}", expect, troops(value))
    for name, value, expect in [("above-100", "150", "bad-value"), ("negative", "-1", "bad-value"),
                                ("nan", ".nan", "bad-value"), ("huge", "1.0e+300", "bad-number"),
                                ("text", "twenty", "bad-value")]:
        scenario("2-domains", f"territory-{name}", expect, param(value))
    scenario("2-domains", "cap-negative-troops", "bad-value",
             replaced("{pct_of_current: 40}", "{troops: -5}"))
    scenario("2-domains", "cap-share-above-100", "bad-value",
             replaced("{pct_of_current: 40}", "{pct_of_current: 101}"))
    scenario("2-domains", "russian-force-zero", "bad-value",
             BASE + "  russian_troops_in_ukraine: {value: 0, source: seed-article}\n")

    # 3. YAML that cannot be read as plain data
    for name, char in [("soh", "\x01"), ("bell", "\x07"), ("escape", "\x1b"), ("delete", "\x7f"),
                       ("csi", "\x9b"), ("nul", "\x00"), ("vertical-tab", "\x0b"), ("form-feed", "\x0c")]:
        scenario("3-yaml", f"raw-control-{name}", "yaml-syntax", replaced("Hostile input", f"Hostile{char}input"))
    scenario("3-yaml", "nul-at-end", "yaml-syntax", BASE + "\x00")
    for name, value in [("month-13", "2025-13-45"), ("february-30", "2025-02-30"), ("day-zero", "2025-01-00"),
                        ("hour-25", "2025-01-01 25:00:00")]:
        scenario("3-yaml", f"date-{name}", "bad-value", BASE + f"date: {value}\n")
    for name, text, expect in [
            ("int-abc", "!!int abc", "bad-number"), ("float-abc", "!!float abc", "bad-number"),
            ("timestamp-x", "!!timestamp x", "bad-value"), ("bool-maybe", "!!bool maybe", "bad-value"),
            ("binary", "!!binary aGVsbG8=", "bad-value"), ("python-object", "!!python/object:os.system x",
                                                          "bad-value"),
            ("custom", "!custom 3", "bad-value"), ("set", "!!set {a, b}", "bad-value"),
            ("omap", "!!omap [{a: 1}]", "bad-value"), ("pairs", "!!pairs [{a: 1}]", "bad-value"),
            ("python-apply", "!!python/object/apply:os.system ['true']", "bad-value"),
            ("verbatim", "!<tag:example.org,2000:x> 1", "bad-value")]:
        scenario("3-yaml", f"tag-{name}", expect, param(text))
    scenario("3-yaml", "merge-key", "bad-value",
             replaced("parameters:\n", "base: &b {territory_ceded_pct: 20}\nparameters:\n  <<: *b\n"))
    scenario("3-yaml", "merge-key-inline", "bad-value", replaced("parameters:\n", "parameters:\n  <<: {a: 1}\n"))
    for name, key in [("date", "2025-01-01"), ("integer", "5"), ("boolean", "true"), ("null", "~"),
                      ("float", "1.5"), ("tagged", "!!int 7")]:
        scenario("3-yaml", f"key-{name}", "bad-key", replaced("parameters:\n", f"parameters:\n  {key}: 1\n"))
    scenario("3-yaml", "key-sequence", "bad-key", replaced("parameters:\n", "parameters:\n  ? [a, b]\n  : 1\n"))
    scenario("3-yaml", "key-mapping", "bad-key", replaced("parameters:\n", "parameters:\n  ? {a: 1}\n  : 1\n"))
    for name, digits in [("5000-digits", "9" * 5000), ("50000-digits", "7" * 50000), ("20-digits", "1" * 20)]:
        scenario("3-yaml", f"integer-{name}", "bad-number", param(digits))
    scenario("3-yaml", "float-overflow", "bad-number", param("1.0e+400"))
    scenario("3-yaml", "second-document", "yaml-syntax", BASE + "---\nid: other\n")
    for name, text in [("unclosed-quote", 'title: "Hostile\n'), ("unclosed-bracket", "parameters: [1, 2\n"),
                       ("tab-indent", "parameters:\n\tterritory_ceded_pct: 20\n"),
                       ("bad-indent", "parameters:\n  a: 1\n b: 2\n"), ("colon-soup", ": : :\n"),
                       ("directive", "%YAML 9.9\n---\na: 1\n")]:
        scenario("3-yaml", f"syntax-{name}", "yaml-syntax", "id: hostile\n" + text)
    scenario("3-yaml", "nesting-100-flow", "too-deep", BASE + "x: " + "[" * 100 + "]" * 100 + "\n")
    scenario("3-yaml", "nesting-100-block", "too-deep",
             BASE + "x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 101)) + "  " * 101 + "v: 1\n")
    scenario("3-yaml", "nesting-5000-flow", "yaml-syntax", BASE + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    scenario("3-yaml", "nesting-compact-lists", "too-deep", BASE + "x:\n" + "- " * 3000 + "1\n")
    scenario("3-yaml", "latin-1", "unreadable-file", b"id: hostile\ntitle: caf\xe9\n")
    scenario("3-yaml", "binary-garbage", "unreadable-file", bytes(range(128, 256)) * 4)
    scenario("3-yaml", "utf-16", "unreadable-file", "id: hostile\n".encode("utf-16"))
    scenario("3-yaml", "top-level-scalar", "wrong-type", "just some text\n")
    scenario("3-yaml", "top-level-list", "wrong-type", "- id: hostile\n")
    scenario("3-yaml", "duplicate-keys", "duplicate-key", BASE + "id: again\n")

    # 4. volume: many problems are reported linearly and capped
    scenario("4-volume", "unknown-keys-4000", "unknown-key", BASE + "".join(f"k{i}: 1\n" for i in range(4000)))
    scenario("4-volume", "unknown-keys-16000", "unknown-key", BASE + "".join(f"k{i}: 1\n" for i in range(16000)))
    scenario("4-volume", "unknown-parameters-5000", "unknown-parameter",
             replaced("parameters:\n", "parameters:\n" + "".join(f"  p{i}: 1\n" for i in range(5000))))
    scenario("4-volume", "duplicate-keys-20000", "duplicate-key", BASE + "".join("id: x\n" for _ in range(20000)))
    scenario("4-volume", "control-characters-5000", "yaml-syntax", BASE + "t: " + "\x01" * 5000 + "\n")
    scenario("4-volume", "bad-numbers-3000", "bad-number", BASE + "n: [" + ", ".join(["0x1"] * 3000) + "]\n")
    scenario("4-volume", "aliases-3000", "alias", BASE + "a: &a 1\nb: [" + ", ".join(["*a"] * 3000) + "]\n")
    scenario("4-volume", "long-line-problems", "unknown-key",
             BASE + "".join(f"{'k' * 1000}{i}: 1\n" for i in range(100)))

    # 9. numbers not written in decimal, and text that would reach a terminal
    for name, value in [("sexagesimal", "1:20"), ("sexagesimal-3", "1:20:30"), ("sexagesimal-float", "190:20:30.15"),
                        ("hex", "0x14"), ("hex-upper", "0XFF"), ("hex-signed", "+0x1F"), ("hex-negative", "-0x1"),
                        ("octal", "017"), ("binary", "0b101"), ("underscore-hex", "0x_1_4")]:
        scenario("9-numbers", f"number-{name}", "bad-number" if name != "hex-upper" else "bad-value", param(value))
    for name, text in [("sgr", r"\e[31mred"), ("osc-title", r"\x1b]0;owned\x07"), ("csi-c1", r"\x9b2J"),
                       ("bell", r"\a"), ("backspace", r"\b\b\bok"), ("carriage-return", r"safe\rdanger"),
                       ("nul-escape", r"a\0b")]:
        scenario("9-numbers", f"title-{name}", "bad-value", replaced("title: Hostile input", f'title: "{text}"'))
    scenario("9-numbers", "note-escape", "bad-value",
             replaced("territory_ceded_pct: 20", 'territory_ceded_pct: {value: 20, note: "\\e[2J"}'))

    # knowledge folders laid over tests/fixtures/broken/_base
    knowledge("1-aliases", "rules-bomb", "alias", {"rules/bomb.yaml": bomb(9) + "rules: []\n"})
    knowledge("1-aliases", "parameters-recursive", "alias",
              {"parameters.yaml": PARAMETERS + "  loop: &x {title: x, type: number, fields: [*x]}\n"})
    knowledge("3-yaml", "sources-nul", "yaml-syntax",
              {"sources.yaml": (HERE.parent / "fixtures" / "broken" / "_base" / "sources.yaml").read_text() + "\x00"})
    knowledge("3-yaml", "rules-merge-key", "bad-value",
              {"rules/land.yaml": rules("  - id: LAND-LOW\n", "  - <<: {x: 1}\n    id: LAND-LOW\n")})
    knowledge("3-yaml", "parameters-date-key", "bad-key", {"parameters.yaml": PARAMETERS + "  2025-01-01: {}\n"})
    knowledge("3-yaml", "provisions-python-tag", "bad-value",
              {"provisions/xx/evil.yaml": "instrument: !!python/object/apply:os.system ['true']\nsource: charter\n"
                                          "provisions: {}\n"})
    knowledge("3-yaml", "baselines-huge-int", "bad-number",
              {"baselines/xx/huge.yaml": "baselines:\n  big:\n    title: Big\n    value: " + "9" * 5000 +
                                         "\n    holds_for: '2025'\n    values: [{source: almanac, locator: p, value: 1}]\n"})
    knowledge("7-literals", "at-most-1e20", "bad-number", {"rules/land.yaml": rules("at_most: 0}", "at_most: 1.0e+20}")})
    knowledge("7-literals", "below-infinity", "bad-value", {"rules/land.yaml": rules("at_most: 0}", "below: .inf}")})
    knowledge("7-literals", "above-nan", "bad-value", {"rules/land.yaml": rules("above: 0}", "above: .nan}")})
    knowledge("7-literals", "at-most-tiny", "bad-number", {"rules/land.yaml": rules("at_most: 0}", "at_most: 0.00001}")})
    knowledge("7-literals", "at-least-hex", "bad-number", {"rules/land.yaml": rules("at_most: 0}", "at_least: 0x10}")})
    knowledge("9-files", "parameter-max-nan", "bad-value",
              {"parameters.yaml": PARAMETERS.replace("max: 100", "max: .nan")})
    knowledge("9-files", "rules-file-is-a-folder", "unreadable-file", {"rules/folder.yaml/keep.txt": "a folder\n"})
    knowledge("9-files", "baseline-escape", "bad-value",
              {"baselines/xx/land.yaml": 'baselines:\n  guarded:\n    title: "\\e]0;owned\\a"\n    value: true\n'
                                         "    holds_for: '2025'\n    values: [{source: almanac, locator: p, value: true}]\n"})


if __name__ == "__main__":
    main()
