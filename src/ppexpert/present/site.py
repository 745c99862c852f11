"""The knowledge base as a browsable static site (`ppexpert site -o site/`, and /kb in the web app).

One page per source, provision, baseline, parameter, rule and shipped plan, plus an index and the claims against the
record; each page links to what it rests on and back to what rests on it ("rules resting on this article", "plans
setting this input"). The cross-references come from knowledge.xref; this module only arranges them into page
documents, and the Jinja2 templates under templates/site/ render those (autoescaped: YAML text shows as text).

Deterministic: no clock, pages and lists in a fixed order, links relative (the same files work from a folder, a
web server's sub-path, or a file:// URL).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ppexpert._version import __version__
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import show_value, with_unit
from ppexpert.knowledge.model import Condition, Rule
from ppexpert.knowledge.xref import Index, PlanInput
from ppexpert.present.report import breakable, link

# folder of each kind of page, and its heading on the index
KINDS = {"source": ("sources", "Sources"), "provision": ("provisions", "Provisions (articles)"),
         "baseline": ("baselines", "Baselines (facts and figures)"), "parameter": ("parameters", "Inputs of a plan"),
         "rule": ("rules", "Rules"), "plan": ("plans", "Shipped plans")}

_OPS = {"is": "is", "is_not": "is not", "in": "is one of", "not_in": "is none of", "at_least": "is at least",
        "at_most": "is at most", "above": "is above", "below": "is below", "present": "holds"}


def page_path(kind: str, ident: str) -> str:
    """Where a page lives, relative to the site's root, e.g. rules/SOV-ART-73.html."""
    return f"{KINDS[kind][0]}/{ident}.html"


class _Links:
    """Links between pages, relative to the page that holds them (every page but the index sits one folder down)."""

    def __init__(self, kb: KnowledgeBase, index: Index, up: str):
        self.kb, self.index, self.up = kb, index, up
        self.alias = {b.alias: bid for bid, b in kb.baselines.items() if b.alias}

    def to(self, kind: str, ident: str, text: str | None = None, note: str | None = None) -> dict:
        known = {"source": self.kb.sources, "provision": self.kb.provisions, "baseline": self.kb.baselines,
                 "parameter": self.kb.parameters, "rule": self.kb.rules_by_id, "plan": self.index.plans}[kind]
        return {"href": self.up + page_path(kind, ident) if ident in known else None, "id": ident,
                "text": text or self.title(kind, ident), "note": note}

    def title(self, kind: str, ident: str) -> str:
        kb = self.kb
        if kind == "source":
            return kb.sources[ident].title if ident in kb.sources else ident
        if kind == "provision" and ident in kb.provisions:
            p = kb.provisions[ident]
            source = kb.sources.get(p.source)
            return f"{source.title if source else p.instrument}, {p.cited_as}"
        if kind == "baseline" and ident in kb.baselines:
            return kb.baselines[ident].title
        if kind == "parameter" and ident in kb.parameters:
            return kb.parameters[ident].title
        if kind == "rule" and ident in kb.rules_by_id:
            return kb.rules_by_id[ident].title
        if kind == "plan" and ident in self.index.plans:
            return self.index.plans[ident].title
        return ident

    def fact(self, ref: str) -> dict:
        """A provision or baseline id (or a baseline's alias) as a link."""
        if ref in self.kb.provisions:
            return self.to("provision", ref)
        return self.to("baseline", self.alias.get(ref, ref))

    def rules(self, ids: list[str]) -> list[dict]:
        return [self.to("rule", rid) for rid in ids]


def _value(value: Any, unit: str | None = None) -> str:
    return with_unit(value, unit)


def _condition(links: _Links, condition: Condition, producers: dict[str, list[str]]) -> dict:
    op = _OPS[condition.op]
    operand = "" if condition.op == "present" else show_value(condition.operand)
    if condition.input is not None:
        subject = links.to("parameter", condition.input)
    elif condition.fact is not None:
        subject = links.fact(condition.fact)
    else:
        subject = {"href": None, "id": condition.conclusion, "text": condition.conclusion, "note": None}
    drawn_by = [links.to("rule", rid) for cid, rids in producers.items()
                if cid == condition.conclusion or (condition.conclusion or "").endswith(".*")
                and cid.startswith(condition.conclusion[:-1]) for rid in rids] if condition.conclusion else []
    return {"kind": condition.subject_kind, "subject": subject, "op": op, "operand": operand, "drawn_by": drawn_by}


def _claim(links: _Links, kb: KnowledgeBase, cid: str) -> dict:
    claim = kb.claims[cid]
    about = []
    for ref in claim.about:
        about.append(links.to("parameter", ref) if ref in kb.parameters else links.fact(ref))
    return {"id": cid, "status": claim.status, "claim": claim.claim, "record": claim.record,
            "by": links.to("source", claim.source), "locator": claim.locator,
            "record_sources": [{**links.to("source", c.source), "locator": c.locator,
                                "address": link(c.address)} for c in claim.record_sources],
            "about": about}


def _plan_input(links: _Links, entry: PlanInput, unit: str | None = None) -> dict:
    note = "derived from what the plan writes" if entry.derived else entry.note
    return {"plan": links.to("plan", entry.plan), "value": _value(entry.value, unit), "point": entry.point, "note": note}


def _source_page(kb, index, links, sid) -> dict:
    s, refs = kb.sources[sid], index.sources[sid]
    return {"kind": "source", "id": sid, "title": s.title,
            "facts": [("Kind", s.kind), ("Date", s.date.isoformat() if s.date else None), ("Publisher", s.publisher),
                      ("Note", s.note)],
            "address": link(s.address),
            "provisions": [links.to("provision", pid, kb.provisions[pid].cited_as,
                                    kb.provisions[pid].paraphrase) for pid in refs.provisions],
            "baselines": [links.to("baseline", bid) for bid in refs.baselines],
            "claims_made": [_claim(links, kb, cid) for cid in refs.claims_made],
            "claims_record": [links_claim(links, kb, cid) for cid in refs.claims_record],
            "plans": [links.to("plan", pid) for pid in refs.plans]}


def links_claim(links: _Links, kb: KnowledgeBase, cid: str) -> dict:
    claim = kb.claims[cid]
    return {"id": cid, "status": claim.status, "claim": claim.claim, "by": links.to("source", claim.source),
            "href": links.up + f"claims.html#claim-{cid}"}


def _provision_page(kb, index, links, pid) -> dict:
    p, refs = kb.provisions[pid], index.provisions[pid]
    return {"kind": "provision", "id": pid, "title": links.title("provision", pid), "heading": p.heading,
            "paraphrase": p.paraphrase, "quote": p.quote,
            "facts": [("Instrument", p.instrument), ("In force", p.in_force.shown if p.in_force else None),
                      ("How it applies", p.in_force.note if p.in_force else None), ("Note", p.note)],
            "source": links.to("source", p.source), "address": link(p.address or (
                kb.sources[p.source].address if p.source in kb.sources else None)),
            "rules_resting": links.rules(refs.rules_resting), "rules_context": links.rules(refs.rules_context),
            "rules_concluding": links.rules(refs.rules_concluding),
            "claims": [_claim(links, kb, cid) for cid in refs.claims]}


def _baseline_page(kb, index, links, bid) -> dict:
    b, refs = kb.baselines[bid], index.baselines[bid]
    return {"kind": "baseline", "id": bid, "title": b.title, "value": _value(b.value, b.unit),
            "facts": [("Holds for", b.holds_for), ("Short name in a plan's assumptions", b.alias),
                      ("Range a plan may assume", None if b.min is None and b.max is None else
                       f"{show_value(b.min) if b.min is not None else '...'} to "
                       f"{show_value(b.max) if b.max is not None else '...'}"),
                      ("Why this value", b.chosen_because)],
            "disputed": b.disputed,
            "values": [{"source": links.to("source", v.source), "locator": v.locator, "value": _value(v.value, b.unit),
                        "status": v.status, "note": v.note} for v in b.values],
            "dated": [{"period": d.shown, "value": _value(d.value, b.unit), "source": links.to("source", d.source),
                       "locator": d.locator, "note": d.note} for d in b.dated],
            "rules_resting": links.rules(refs.rules_resting), "rules_context": links.rules(refs.rules_context),
            "rules_reading": links.rules(refs.rules_reading),
            "derived": [links.to("parameter", name) for name in refs.derived],
            "plans": [_plan_input(links, e, b.unit) for e in refs.plans],
            "claims": [_claim(links, kb, cid) for cid in refs.claims]}


def _domain(p) -> str:
    if p.type == "choice":
        return "one of: " + ", ".join(p.choices or [])
    if p.type == "boolean":
        return "yes or no"
    if p.type == "record":
        return "one of: " + "; ".join(
            f"{name.replace('_', ' ')} ({show_value(f.min) if f.min is not None else '...'} to "
            f"{show_value(f.max) if f.max is not None else '...'}{' ' + f.unit if f.unit else ''})"
            for name, f in (p.fields or {}).items())
    low = show_value(p.min) if p.min is not None else "..."
    high = show_value(p.max) if p.max is not None else "..."
    return f"{'a whole number' if p.type == 'integer' else 'a number'} from {low} to {high}" + (
        f" {p.unit}" if p.unit else "")


def _parameter_page(kb, index, links, name) -> dict:
    p, refs = kb.parameters[name], index.parameters[name]
    return {"kind": "parameter", "id": name, "title": p.title,
            "facts": [("Values", _domain(p)), ("Also", "unknown, where the plan's text does not settle it"),
                      ("None means", p.null_means if p.nullable else None), ("Plan points", p.plan_points),
                      ("Computed", p.formula if p.derived else None)],
            "reads": [links.to("parameter", r) if r in kb.parameters else links.fact(r) for r in refs.reads],
            "derived": [links.to("parameter", d) for d in refs.derived],
            "rules_reading": links.rules(refs.rules_reading),
            "plans": [_plan_input(links, e, p.unit) for e in refs.plans],
            "claims": [_claim(links, kb, cid) for cid in refs.claims]}


def _rule_page(kb, index, links, rule: Rule, producers: dict) -> dict:
    refs = index.rules[rule.id]
    then = rule.then
    if then.risk is not None:
        concludes = f"risk in the area {kb.areas[then.risk].title if then.risk in kb.areas else then.risk}: " \
                    f"{then.level}"
    elif then.violation is not None:
        concludes = "a violation of"
    else:
        concludes = f"{then.kind} {then.label or getattr(then, then.kind).replace('_', ' ')}"
    return {"kind": "rule", "id": rule.id, "title": rule.title, "concludes": concludes,
            "conclusion_id": then.conclusion_id,
            "violates": links.to("provision", then.violation) if then.violation else None,
            "when": [_condition(links, c, producers) for c in rule.when],
            "unless": [_condition(links, c, producers) for c in rule.unless], "unless_reason": rule.unless_reason,
            "because": rule.because, "rationale": rule.rationale, "note": rule.note,
            "plan_points": list(rule.plan_points),
            "rests_on": [links.fact(ref) for ref in rule.rests_on],
            "context": [links.fact(ref) for ref in rule.context],
            "overrides": links.rules(list(rule.overrides)), "overridden_by": links.rules(refs.overridden_by),
            "producers": links.rules(refs.producers), "consumers": links.rules(refs.consumers),
            "file": _relative(kb, rule.span.file) + (f":{rule.span.line}" if rule.span.line else "")}


def _plan_page(kb, index, links, pid) -> dict:
    scenario = index.plans[pid]
    inputs = []
    for name, written in scenario.parameters.items():
        value, point, note = (written.get("value"), written.get("point"), written.get("note")) \
            if isinstance(written, dict) and "value" in written else (written, None, None)
        unit = kb.parameters[name].unit if name in kb.parameters else None
        inputs.append({"input": links.to("parameter", name),
                       "value": _value(value, unit),
                       "point": None if point is None else str(point), "note": note})
    return {"kind": "plan", "id": pid, "title": scenario.title, "description": scenario.description,
            "facts": [("Date", scenario.date.isoformat() if scenario.date else None),
                      ("File", index.plan_files.get(pid))],
            "text": links.to("source", scenario.plan) if scenario.plan else None, "inputs": inputs,
            "derived": [{"input": links.to("parameter", d.plan), "value": _value(d.value, kb.parameters[d.plan].unit),
                         "point": d.point} for d in index.plan_derived.get(pid, [])],
            "assumptions": [{"baseline": links.fact(name), "value": _value(a.value), "source": links.to("source", a.source),
                             "note": a.note} for name, a in scenario.assumptions.items()]}


def _relative(kb: KnowledgeBase, file: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(Path(kb.root).resolve().parent))
    except ValueError:
        return Path(file).name


def build_site(kb: KnowledgeBase, index: Index) -> dict[str, str]:
    """Every page of the site: relative path -> HTML text, in a fixed order."""
    env = _environment()
    page = env.get_template("site/page.html.j2")
    down = _Links(kb, index, "../")
    producers: dict[str, list[str]] = {}
    for rule in kb.rules:
        producers.setdefault(rule.then.conclusion_id, []).append(rule.id)
    documents: list[tuple[str, dict]] = []
    documents += [(page_path("source", sid), _source_page(kb, index, down, sid)) for sid in kb.sources]
    documents += [(page_path("provision", pid), _provision_page(kb, index, down, pid)) for pid in kb.provisions]
    documents += [(page_path("baseline", bid), _baseline_page(kb, index, down, bid)) for bid in kb.baselines]
    documents += [(page_path("parameter", name), _parameter_page(kb, index, down, name)) for name in kb.parameters]
    documents += [(page_path("rule", r.id), _rule_page(kb, index, down, r, producers)) for r in kb.rules]
    documents += [(page_path("plan", pid), _plan_page(kb, index, down, pid)) for pid in index.plans]
    common = {"version": __version__, "knowledge_version": kb.version}
    pages = {path: page.render(page=doc, up="../", **common) for path, doc in documents}
    top = _Links(kb, index, "")
    home = {"kind": "index", "id": "", "title": "The knowledge base",
            "counts": [(KINDS[k][1], n) for k, n in (("source", len(kb.sources)), ("provision", len(kb.provisions)),
                                                     ("baseline", len(kb.baselines)),
                                                     ("parameter", len(kb.parameters)), ("rule", len(kb.rules)),
                                                     ("plan", len(index.plans)))],
            "groups": _index_groups(kb, index, top),
            "claim_counts": [(s, sum(1 for c in kb.claims.values() if c.status == s))
                             for s in ("confirmed", "differs", "unverified")]}
    claims = {"kind": "claims", "id": "", "title": "Claims of the sources against the public record",
              "claims": [_claim(top, kb, cid) for cid in kb.claims]}
    return {"index.html": page.render(page=home, up="", **common),
            "claims.html": page.render(page=claims, up="", **common), **pages}


def _index_groups(kb: KnowledgeBase, index: Index, top: _Links) -> list[dict]:
    groups = [{"heading": KINDS["source"][1], "items": [top.to("source", sid, note=kb.sources[sid].kind)
                                                      for sid in kb.sources]}]
    by_instrument: dict[str, list[dict]] = {}
    for pid, p in kb.provisions.items():
        by_instrument.setdefault(top.title("source", p.source), []).append(
            top.to("provision", pid, p.cited_as, p.paraphrase))
    groups.append({"heading": KINDS["provision"][1], "sub": [{"heading": h, "items": items}
                                                            for h, items in by_instrument.items()]})
    groups.append({"heading": KINDS["baseline"][1], "items": [top.to("baseline", bid) for bid in kb.baselines]})
    groups.append({"heading": KINDS["parameter"][1], "items": [top.to("parameter", name) for name in kb.parameters]})
    by_file: dict[str, list[dict]] = {}
    for rule in kb.rules:
        by_file.setdefault(Path(rule.span.file).stem.replace("-", " ").capitalize(), []).append(top.to("rule", rule.id))
    groups.append({"heading": KINDS["rule"][1], "sub": [{"heading": h, "items": items} for h, items in by_file.items()]})
    groups.append({"heading": KINDS["plan"][1], "items": [top.to("plan", pid) for pid in index.plans]})
    return groups


def write_site(pages: dict[str, str], folder: Path) -> tuple[list[Path], list[Path]]:
    """Write the pages under `folder` (made if missing); return the files written, and the pages of an earlier
    site there that no longer exist (a rule renamed or removed), which are deleted. Only .html files in the site's
    own sub-folders are ever deleted."""
    written = []
    for relative, text in pages.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(target)
    kept = {path.resolve() for path in written}
    stale = sorted(path for sub, _ in KINDS.values() for path in (folder / sub).glob("*.html")
                   if path.resolve() not in kept)
    for path in stale:
        path.unlink()
    return written, stale


@lru_cache(maxsize=None)
def _environment():
    # lazy, for start-up speed: jinja2 is loaded only when the site is rendered
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("ppexpert.present", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["breakable"] = breakable
    return env
