"""The annotated report as one document, built once: the JSON output is it, the Markdown and HTML templates read it.

A report document is, for each scenario, the assessment's JSON document (report_json.assessment_json) with
every conclusion carrying what a reader needs beside it:

- ``anchor``: the id it is linked under;
- ``citations``: numbers of the footnotes that resolve its provisions and baselines to source, article, address;
- ``derivation``: its proof tree (explain.why), every citation in it numbered too;
- ``disputed``: each disputed or assumed value it rests on, with the knowledge base's value, every source's
  value and a sentence saying so.

Around them: a summary per scenario (overall risk, the area cards, the most severe conclusions), the
comparison of two or more scenarios (compare.compare), the numbered citations, and a facts-and-sources
appendix. Everything a presentation shows is in here; the templates compute nothing.

Deterministic: no clock (a date is printed only when the caller passes one), lists in a fixed order.
"""
from __future__ import annotations

import base64
import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote, urlsplit

from ppexpert._version import __version__
from ppexpert.knowledge.conditions import show_value
from ppexpert.knowledge.problems import InputError
from ppexpert.present import derivation
from ppexpert.present.derivation import short_source
from ppexpert.present.compare import compare
from ppexpert.knowledge.words import names_in_words
from ppexpert.present.readable import (
    conclusion_words,
    input_words,
    premise_in_words,
    prose,
    set_aside_words,
    subject_words,
    value_words,
)
from ppexpert.present.text import KIND_MEANING, requirement_lines
from ppexpert.reasoning.document import _plain, dumps
from ppexpert.reasoning.explain import worked_out_from

REPORT_SCHEMA_VERSION = 1

# The conclusion lists of an assessment document, in the order a report shows them.
SECTIONS = (
    ("risks", "Risks by area"),
    ("violations", "Violations of binding law"),
    ("requirements", "Requirements: legal steps the plan needs"),
    ("commitments", "Political commitments"),
    ("consequences", "Consequences"),
    ("findings", "Derived lines"),
)

FORMATS = {"md": "report.md.j2", "html": "report.html.j2", "json": None}
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def link(address: str | None) -> str | None:
    """A followable address: http(s) or mailto only (never javascript: and the like), unsafe characters encoded."""
    if not address or urlsplit(address.strip()).scheme.lower() not in ("http", "https", "mailto"):
        return None
    return quote(address.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


class _Citations:
    """Footnotes numbered in order of first use; one number per provision or baseline id."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self._numbers: dict[str, int] = {}

    def number(self, citation: dict) -> int:
        ref = citation["ref"]
        if ref not in self._numbers:
            self._numbers[ref] = len(self.items) + 1
            self.items.append({"n": self._numbers[ref], **citation, "href": link(citation.get("address"))})
        return self._numbers[ref]


def build_report(assessments: Sequence, date: str | None = None) -> dict:
    """The report document for one scenario, or the comparison of several (in the order given)."""

    if not assessments:
        raise ValueError("a report needs at least one assessment")
    kb = assessments[0].kb
    if any(a.kb.version != kb.version for a in assessments):
        raise ValueError("the assessments of one report must share one knowledge base")
    citations = _Citations()
    scenarios = [_scenario_report(a, index, citations) for index, a in enumerate(assessments)]
    titles = [s["scenario"]["title"] for s in scenarios]
    document = {
        "report_schema_version": REPORT_SCHEMA_VERSION,
        "ppexpert": __version__,
        "title": titles[0] if len(titles) == 1 else "Comparison: " + " / ".join(titles),
        "date": date,
        "knowledge_version": kb.version,
        "scale": [{"id": level.id, "meaning": level.meaning} for level in kb.scale.levels],
        "sections": [{"key": key, "title": title, "kind": key[:-1], "kind_meaning": KIND_MEANING.get(key[:-1])}
                     for key, title in SECTIONS],
        "comparison": compare(assessments) if len(assessments) > 1 else None,
        "scenarios": scenarios,
        "citations": citations.items,
        "appendix": _appendix(assessments, citations),
    }
    return _plain(document)


# ---------------------------------------------------------------- one scenario


def _scenario_report(assessment, index: int, citations: _Citations) -> dict:
    document = assessment.to_json()
    prefix = f"s{index + 1}"
    document["anchor"] = prefix
    conclusions = ([document["overall"]] if document["overall"] else []) + [
        c for key, _ in SECTIONS for c in document[key]]
    by_id = {c["id"]: c for c in conclusions}
    # Footnotes are numbered in the order a reader meets them: the summary (overall, the area cards, the most
    # severe), then each conclusion's own sources followed by those in its derivation.
    summary = [document["overall"]] if document["overall"] else []
    summary += [by_id[f"risk.{area['id']}"] for area in document["areas"] if f"risk.{area['id']}" in by_id]
    summary += document["violations"]  # "Most severe" closes the summary: the gravest areas, then every violation
    for conclusion in summary:
        for source in conclusion["sources"]:
            citations.number(source)
    # then the inputs, where each value worked out from others is shown once with what it is worked out from; a
    # derivation resting on it links there (`see_input`) rather than listing those values again
    # (a value two of them read is listed under the first and referred to from the others: `again`)
    worked_out, listed_under = {}, {}
    for entry in document["inputs"]:
        if entry["origin"] == "derived" and entry.get("derived_from"):
            anchor = f"{prefix}-input-{entry['name']}"
            rows, again = [], {}
            for node in worked_out_from(assessment, entry["name"]):
                if node["name"] in listed_under:
                    again.setdefault(listed_under[node["name"]], 0)
                    again[listed_under[node["name"]]] += 1
                    continue
                listed_under[node["name"]] = entry["name"]
                words = premise_in_words(assessment, node, None)
                rows.append({"text": words["text"], "origin": words.get("origin") or None,
                             "citation": citations.number(node["citation"]) if node.get("citation") else None})
            worked_out[entry["name"]] = {"anchor": anchor, "from": rows, "again": again}
    for entry in worked_out.values():
        entry["again"] = [{"anchor": worked_out[name]["anchor"], "input": name, "count": count}
                          for name, count in entry["again"].items()]
    for conclusion in conclusions:
        conclusion["anchor"] = f"{prefix}-{conclusion['id']}"
        conclusion["heading"] = conclusion_words(assessment.kb, conclusion["id"], conclusion.get("level"))
    anchors = {c["id"]: c["anchor"] for c in conclusions}
    for conclusion in conclusions:
        conclusion["citations"] = [citations.number(s) for s in conclusion["sources"]]
        conclusion["basis_citations"] = [citations.number(s) for s in conclusion["sources"] if s.get("role") != "context"]
        conclusion["context_citations"] = [citations.number(s) for s in conclusion["sources"]
                                           if s.get("role") == "context"]
        conclusion["kind_meaning"] = KIND_MEANING.get(conclusion["kind"])
        conclusion["requirement_lines"] = [{"name": name, "text": text} for name, text in requirement_lines(conclusion)]
        for ground in conclusion["grounds"]:
            ground["citations"] = [citations.number(s) for s in ground["sources"]]
            ground["basis_citations"] = [citations.number(s) for s in ground["sources"] if s.get("role") != "context"]
            ground["context_citations"] = [citations.number(s) for s in ground["sources"] if s.get("role") == "context"]
        conclusion["derivation"] = _numbered_tree(assessment, assessment.why(conclusion["id"]), citations, anchors,
                                                  worked_out)
        conclusion["disputed"] = [_disputed(assessment, d) for d in conclusion["disputed"]]
    kb = assessment.kb
    document["plan_title"] = _source_title(kb, document["scenario"]["plan"]) if document["scenario"].get("plan") else None
    # beside the assessment's own lists (kept as they are): the same entries in words, for the templates
    reader = {"inputs": [], "assumptions": [], "defeated": [], "undetermined": [],
              "titles": {name: parameter.title for name, parameter in kb.parameters.items()}}
    for entry in document["inputs"]:
        title, words = input_words(kb, entry["name"], entry["value"])
        reader["inputs"].append({**entry, "title": title, "words": words, "shared_note": None,
                                 "formula_words": names_in_words(kb, entry.get("formula")),
                                 "anchor": worked_out.get(entry["name"], {}).get("anchor"),
                                 "worked_out_from": worked_out.get(entry["name"], {}).get("from", []),
                                 "worked_out_again": worked_out.get(entry["name"], {}).get("again", [])})
    _note_once(reader["inputs"])
    for entry in document["assumptions"]:
        baseline = kb.baselines.get(entry["baseline"])
        reader["assumptions"].append({**entry, "title": baseline.title if baseline else entry["baseline"],
                                      "source_title": _source_title(kb, entry["source"]),
                                      "words": value_words(kb, entry["baseline"], entry["value"]),
                                      "kb_words": value_words(kb, entry["baseline"], entry["kb_value"])})
    for entry in document["defeated"]:
        reader["defeated"].append({**entry, "anchor": anchors.get(entry["conclusion"]),
                                   "text": _defeat_words(kb, entry)})
    for entry in document["undetermined"]:
        rule = kb.rules_by_id.get(entry["rule"])
        reader["undetermined"].append({**entry, "title": rule.title if rule else entry["rule"]})
    document["reader"] = reader
    for area in document["areas"]:
        risk = by_id.get(f"risk.{area['id']}")
        area["anchor"] = risk["anchor"] if risk else None
        area["citations"] = risk["citations"] if risk else []
        area["rests_on_disputed_value"] = bool(risk and risk["rests_on_disputed_value"])
        # an area without a risk level still shows its firm violations: "no risk level" never hides them
        area["violations"] = sum(1 for line in area["lines"] if line["kind"] == "violation")
        for line in area["lines"]:
            line["anchor"] = by_id[line["id"]]["anchor"]
    document["most_severe"] = _most_severe(assessment, document)
    document["counts"] = {key: len(document[key]) for key, _ in SECTIONS}
    return document


def _note_once(inputs: list[dict]) -> None:
    """A note several inputs in a row share (a plan writing its territory region by region) is printed once, after
    the last of them (`shared_note`, with the titles it covers); each row keeps its own `note` for the JSON."""
    run: list[dict] = []
    for entry, after in zip(inputs, inputs[1:] + [None]):
        run.append(entry)
        if after is not None and entry["note"] and after["note"] == entry["note"]:
            continue
        if entry["note"]:
            run[-1]["shared_note"] = {"text": entry["note"], "rows": len(run),
                                      "titles": [e["title"] for e in run] if len(run) > 1 else []}
        run = []


def _numbered_tree(assessment, tree: dict, citations: _Citations, anchors: dict[str, str],
                   worked_out: dict[str, dict]) -> dict:
    """The why-tree with a footnote number on every citation, numbered in reading order (pre-order). A conclusion
    it rests on is not derived again: it points to that conclusion's own place in the report (`see`, `heading`);
    nor is an input worked out from others: it points to its row in the inputs (`see_input`)."""
    tree = copy.deepcopy(tree)

    kb = assessment.kb

    def walk(node: dict, top: bool, condition=None) -> None:
        node.setdefault("test", None)  # every node has the same keys: readers need not guess
        node["top"] = top
        if node["type"] != "conclusion":
            node.setdefault("citation", None)
            node.setdefault("children", [])
            reader = premise_in_words(assessment, node, condition)
            node["test_words"] = reader["test"]
            # what the rule needs of the value, without naming the input twice ("one of partial, full")
            subject = subject_words(kb, condition) if condition is not None else None
            node["test_short"] = (reader["test"][len(subject) + 1:].removeprefix("is ")
                                  if subject and reader["test"] and reader["test"].startswith(subject + " ")
                                  else reader["test"])
            node["see_input"] = worked_out.get(node["name"], {}).get("anchor") if node["type"] == "input" else None
            if node["see_input"]:
                value = assessment.loaded.inputs[node["name"]]
                node["words"] = reader["text"] + (f" (worked out, point {value.point})" if value.point
                                                  else " (worked out)")
            else:
                node["words"] = reader["text"] + (f" ({reader['origin']})" if reader.get("origin") else "")
        else:
            node.setdefault("see", None)
        if node["type"] == "conclusion" and not top and node.get("id") in anchors:
            node.update(see=anchors[node["id"]], heading=conclusion_words(kb, node["id"], node.get("level")),
                        derivations=[], defeated=[], disputed=[],
                        test_words=premise_in_words(assessment, node, condition)["test"] if condition else None)
        for defeat in node.get("defeated", []):
            defeat["text"] = _defeat_words(kb, defeat)
        if node.get("citation"):
            node["citation"]["n"] = citations.number(node["citation"])
        for derivation in node.get("derivations", []):
            rule = kb.rules_by_id[derivation["rule"]]
            derivation["note_words"] = prose(kb, derivation.get("note"))  # another rule named by its title
            derivation["rationale_words"] = prose(kb, derivation.get("rationale"))
            floor = derivation.get("floor")
            derivation["floor_title"] = kb.rules_by_id[floor["trigger"]].title if floor else None
            for premise, when in zip(derivation["premises"], rule.when):
                walk(premise, False, when)
            for citation in derivation["rests_on"] + derivation.get("context", []):
                citation["n"] = citations.number(citation)
                citation["short"] = short_source(citation)  # the footnote gives the full title
        for child in node.get("children", []):
            walk(child, False)

    walk(tree, True)
    return tree


def _disputed(assessment, entry: dict) -> dict:
    """A disputed or assumed value a conclusion rests on, with every value the sources give and a sentence."""
    kb = assessment.kb
    baseline = kb.baselines[entry["baseline"]]
    unit = f" {baseline.unit}" if baseline.unit else ""
    values = [{"source": v.source, "title": _source_title(kb, v.source), "locator": v.locator, "value": v.value,
               "shown": show_value(v.value) + unit, "status": v.status, "note": v.note}
              for v in baseline.values]
    shown, kb_shown = show_value(entry["value"]) + unit, show_value(entry["kb_value"]) + unit
    if entry["assumed"]:
        label = "Rests on an assumed value"
        text = (f"{baseline.title} = {shown}, set by the scenario from {_source_title(kb, entry['source'])}; "
                f"the knowledge base uses {kb_shown}.")
    else:
        label = "Rests on a disputed value"
        others = "; ".join(f"{v['title']} says {v['shown']}" for v in values if v["value"] != entry["value"])
        text = f"{baseline.title} = {shown} (the knowledge base's value), but sources differ: {others}."
    return {**entry, "title": baseline.title, "unit": baseline.unit, "shown": shown, "kb_shown": kb_shown,
            "holds_for": baseline.holds_for, "values": values, "chosen_because": baseline.chosen_because,
            "label": label, "text": text, "fact_anchor": f"fact-{entry['baseline']}"}


def _defeat_words(kb, defeat: dict) -> str:
    rule = kb.rules_by_id.get(defeat["rule"])
    would = conclusion_words(kb, defeat["conclusion"], defeat.get("level"))
    return f"“{rule.title if rule else 'A rule'}” would conclude {would}; {set_aside_words(kb, defeat)}."


def _most_severe(assessment, document: dict) -> list[dict]:
    """The areas at the gravest level any area reaches, then every violation."""
    rank = assessment.kb.scale.rank
    rated = [a for a in document["areas"] if a["level"]]
    top = max((rank(a["level"]) for a in rated), default=None)
    result = [{"id": f"risk.{a['id']}", "kind": "risk", "level": a["level"], "title": a["title"],
               "text": a["because"], "anchor": a["anchor"], "citations": a["citations"],
               "rests_on_disputed_value": a["rests_on_disputed_value"]}
              for a in rated if rank(a["level"]) == top]
    result += [{"id": v["id"], "kind": "violation", "level": None, "title": v["label"] or "Violation",
                "text": v["because"], "anchor": v["anchor"], "citations": v["citations"],
                "rests_on_disputed_value": v["rests_on_disputed_value"]}
               for v in document["violations"]]
    return result


def _source_title(kb, source_id: str) -> str:
    source = kb.sources.get(source_id)
    return source.title if source else source_id


# ---------------------------------------------------------------- appendix: facts and sources


def _appendix(assessments: Sequence, citations: _Citations) -> dict:
    kb = assessments[0].kb
    used = sorted({data["name"] for a in assessments for node, data in a.trace.nodes
                   if data.get("kind") == "baseline" and a.trace.descendants(node)})
    facts = []
    for baseline_id in used:
        baseline = kb.baselines[baseline_id]
        unit = f" {baseline.unit}" if baseline.unit else ""
        citation = kb.citation_of(baseline_id)
        assumed = [{"scenario": a.scenario.id, "value": a.loaded.baselines[baseline_id].value,
                    "shown": show_value(a.loaded.baselines[baseline_id].value) + unit,
                    "source": a.loaded.baselines[baseline_id].source,
                    "title": _source_title(kb, a.loaded.baselines[baseline_id].source),
                    "note": a.loaded.baselines[baseline_id].note}
                   for a in assessments if a.loaded.baselines[baseline_id].assumed]
        facts.append({
            "id": baseline_id, "title": baseline.title, "value": baseline.value,
            "shown": show_value(baseline.value) + unit, "unit": baseline.unit, "holds_for": baseline.holds_for,
            "disputed": baseline.disputed, "chosen_because": baseline.chosen_because,
            "citation": citations.number(citation) if citation else None,
            "values": [{"source": v.source, "title": _source_title(kb, v.source), "locator": v.locator,
                        "value": v.value, "shown": show_value(v.value) + unit, "status": v.status, "note": v.note}
                       for v in baseline.values],
            "assumed": assumed,
        })
    source_ids = {c["source"] for c in citations.items}
    source_ids |= {v["source"] for fact in facts for v in fact["values"]}
    source_ids |= {a["source"] for fact in facts for a in fact["assumed"]}
    refs = {c["ref"] for c in citations.items} | set(used)
    claims = [_claim(kb, claim) for claim in sorted(kb.claims.values(), key=lambda c: c.id)
              if refs & set(claim.about)]
    source_ids |= {claim["source"] for claim in claims}
    source_ids |= {r["source"] for claim in claims for r in claim["record_sources"]}
    sources = [_source(kb, source_id) for source_id in sorted(source_ids)]
    return {"facts": facts, "claims": claims, "sources": sources}


def _source(kb, source_id: str) -> dict:
    source = kb.sources.get(source_id)
    if source is None:
        return {"id": source_id, "title": source_id, "kind": None, "date": None, "publisher": None,
                "address": None, "href": None, "note": None}
    return {"id": source_id, "title": source.title, "kind": source.kind, "date": source.date,
            "publisher": source.publisher, "address": source.address, "href": link(source.address),
            "note": source.note}


def _claim(kb, claim) -> dict:
    return {"id": claim.id, "source": claim.source, "title": _source_title(kb, claim.source),
            "locator": claim.locator, "claim": claim.claim, "status": claim.status, "record": claim.record,
            "record_sources": [{"source": r.source, "title": _source_title(kb, r.source), "locator": r.locator,
                                "address": r.address, "href": link(r.address)} for r in claim.record_sources],
            "about": list(claim.about)}


# ---------------------------------------------------------------- rendering


def format_for(path: str | Path | None, explicit: str | None) -> str | None:
    """The output format: the explicit one, else the output file's suffix; None when the suffix is unknown."""
    if explicit:
        return explicit
    if path is None:
        return "md"
    return SUFFIXES.get(Path(path).suffix.lower())


def render_report(document: dict, fmt: str, pictures: dict[str, str] | None = None) -> str:
    """The report document as Markdown, HTML or JSON text (byte-identical for identical documents). The HTML
    shows `pictures` (conclusion anchor -> SVG, from derivation_pictures) in the derivations."""
    if fmt == "json":
        return dumps(document)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    return _environment(fmt).get_template(FORMATS[fmt]).render(report=document, pictures=pictures or {})


def derivation_pictures(assessments: Sequence, document: dict) -> dict[str, str]:
    """The derivation picture of every risk (the areas and the overall one) of every scenario in the report, as
    data: URIs of SVG laid out by Graphviz; none where Graphviz's dot is not installed (the trees remain)."""
    pictures: dict[str, str] = {}
    for assessment, scenario in zip(assessments, document["scenarios"]):
        for conclusion in ([scenario["overall"]] if scenario["overall"] else []) + scenario["risks"]:
            try:
                svg = derivation.render(derivation.derivation_graph(assessment, conclusion["id"]), "svg")
            except InputError:  # no dot program
                return {}
            encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            pictures[conclusion["anchor"]] = f"data:image/svg+xml;base64,{encoded}"
    return pictures


@lru_cache(maxsize=None)
def _environment(fmt: str):
    # lazy, for start-up speed: jinja2 is loaded only when a report is rendered
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("ppexpert.present", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = markdown_text
    env.filters["breakable"] = breakable
    env.filters["shown"] = show_value
    return env


def breakable(identifier: Any) -> Any:
    """An id (`violation.intl.rome-statute.art-86`, `military_cap_vs_russian_force_pct`) or an address escaped for
    HTML, with a line-break opportunity after each dot, underscore, slash and the like, so a narrow screen wraps it
    between its parts, never inside a word."""
    from markupsafe import Markup, escape  # lazy, like jinja2 (markupsafe comes with it)
    parts = re.split(r"([._/?&=%,;:+~#]+)", str(identifier))
    return Markup("".join(str(escape(part)) + ("<wbr>" if index % 2 else "") for index, part in enumerate(parts)))


_MARKDOWN_SPECIAL = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|", "#": "\\#",
    "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " ",
})


_LIST_MARKER = re.compile(r"^(\s*)([-+](?=\s|$)|\d+(?=[.)](?:\s|$)))")


def markdown_text(value: Any) -> str:
    """Text from YAML made inert in Markdown: no emphasis, links, tables, headings, lists or HTML it did not mean."""
    if value is None:
        return ""
    text = str(value).translate(_MARKDOWN_SPECIAL)
    return _LIST_MARKER.sub(lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2).isdigit()
                                                    else m.group(2) + "\\"), text, count=1)
