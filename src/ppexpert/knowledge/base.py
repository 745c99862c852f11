"""Load the knowledge base: every YAML file under knowledge/, into typed objects that know their file:line.

Layout (the folder tree is the namespace):
  sources.yaml, claims.yaml, scale.yaml, areas.yaml, parameters.yaml
  provisions/<jurisdiction>/<instrument>.yaml   -> ua.constitution.art-73
  baselines/<jurisdiction>/<topic>.yaml          -> ua.armed-forces.personnel
  rules/<area>.yaml
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import ppexpert.knowledge.model as m
from ppexpert.knowledge.conditions import with_unit
from ppexpert.knowledge.floors import add_floor_rules
from ppexpert.knowledge.problems import InputError, Problem, Span
from ppexpert.knowledge.shipped import shipped_knowledge
from ppexpert.knowledge.validation import validate
from ppexpert.knowledge.yamlfile import Document, file_bytes, load_document, salvage_document

KNOWLEDGE_ENV = "PPEXPERT_KNOWLEDGE"


@dataclass
class KnowledgeBase:
    root: Path
    sources: dict[str, m.Source] = field(default_factory=dict)
    provisions: dict[str, m.Provision] = field(default_factory=dict)
    baselines: dict[str, m.Baseline] = field(default_factory=dict)
    claims: dict[str, m.Claim] = field(default_factory=dict)
    areas: dict[str, m.Area] = field(default_factory=dict)
    parameters: dict[str, m.Parameter] = field(default_factory=dict)
    groups: dict[str, m.ParameterGroup] = field(default_factory=dict)
    rules: list[m.Rule] = field(default_factory=list)
    scale: m.Scale | None = None
    version: str = ""
    warnings: list[Problem] = field(default_factory=list)
    # For `ppexpert check`, which goes on past broken files: the parsed files, the ids of entries that failed
    # validation, and the kinds of file ('rules', 'sources', ...) that could not be read at all.
    documents: dict[str, Document] = field(default_factory=dict)
    failed_ids: set[str] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)

    @property
    def rules_by_id(self) -> dict[str, m.Rule]:
        # Rules are appended while loading; the index is rebuilt when their number changes.
        cached = self.__dict__.get("_rules_by_id")
        if cached is None or len(cached) != len(self.rules):
            cached = self.__dict__["_rules_by_id"] = {rule.id: rule for rule in self.rules}
        return cached

    def sorted_parameters(self) -> tuple[tuple[str, m.Parameter], ...]:
        """sorted(self.parameters.items()), kept while the parameters stay the same dict of the same size (every
        scenario loaded sorts them several times; they are complete once the knowledge base is loaded)."""
        cached = self.__dict__.get("_sorted_parameters")
        if cached is None or cached[0] is not self.parameters or cached[1] != len(self.parameters):
            cached = self.__dict__["_sorted_parameters"] = (self.parameters, len(self.parameters),
                                                            tuple(sorted(self.parameters.items())))
        return cached[2]

    def baseline(self, name: str) -> m.Baseline | None:
        """A baseline by id or alias."""
        if name in self.baselines:
            return self.baselines[name]
        return next((b for b in self.baselines.values() if b.alias == name), None)

    def citation_of(self, ref: str) -> dict | None:
        """A reader-facing citation for a provision or baseline id."""
        if ref in self.provisions:
            p = self.provisions[ref]
            source = self.sources.get(p.source)
            return {"ref": ref, "source": p.source, "title": source.title if source else p.instrument,
                    "locator": p.cited_as, "address": p.address or (source.address if source else None),
                    "text": p.paraphrase, "binding": p.binding or "legal", "part": p.part}
        baseline = self.baselines.get(ref)
        if baseline is not None:
            first = baseline.values[0]
            source = self.sources.get(first.source)
            return {"ref": ref, "source": first.source, "title": source.title if source else first.source,
                    "locator": first.locator, "address": source.address if source else None,
                    "text": f"{baseline.title}: {with_unit(baseline.value, baseline.unit)} ({baseline.holds_for})"}
        return None


def find_knowledge(start: Path | None = None) -> Path:
    """The knowledge base to use: $PPEXPERT_KNOWLEDGE, else a knowledge/ folder above `start` or the cwd, else the
    one ppexpert ships."""
    if os.environ.get(KNOWLEDGE_ENV):
        return Path(os.environ[KNOWLEDGE_ENV])
    candidates = []
    for base in [start, Path.cwd()]:
        if base is None:
            continue
        base = base.resolve()
        candidates += [base, *base.parents]
    for folder in candidates:
        if (folder / "knowledge" / "parameters.yaml").is_file():
            return folder / "knowledge"
    return shipped_knowledge()


_TOP_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "sources.yaml": ("sources", m.Source),
    "claims.yaml": ("claims", m.Claim),
    "areas.yaml": ("areas", m.Area),
    "parameters.yaml": ("parameters", m.Parameter),
}


def collect_knowledge(root: Path | str | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load every file that can be loaded; return the knowledge base and the problems of each file (no checks)."""
    root = Path(root) if root is not None else find_knowledge()
    kb = KnowledgeBase(root=root)
    problems: list[Problem] = []
    if not (root / "parameters.yaml").is_file():
        raise InputError([Problem(Span(str(root)), (), f"no knowledge base at {root} (parameters.yaml missing)",
                                  f"run from the project folder, pass --knowledge DIR, or set {KNOWLEDGE_ENV}",
                                  code="missing-file")])
    digest = hashlib.sha256()
    for path in _knowledge_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + file_bytes(path) + b"\0")
        doc, found = _read(path)
        problems += found
        if doc is None:
            kb.unreadable.add(_kind_of(root, path))
            continue
        kb.documents[doc.file] = doc
        problems += _load_file(kb, root, path, doc)
    kb.version = digest.hexdigest()[:12]
    add_floor_rules(kb)
    if kb.scale is None and not any(p.span.file.endswith("scale.yaml") for p in problems):
        problems.append(Problem(Span(str(root / "scale.yaml")), (), "the risk scale is missing",
                                "add scale.yaml with `levels:` from least to most severe", code="missing-file"))
    return kb, problems


def _kind_of(root: Path, path: Path) -> str:
    relative = path.relative_to(root)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    """A file's Document; where the only problems are duplicate keys or bad values, the Document is kept too
    (first entry wins) so that the rest of the file is still checked."""
    try:
        return load_document(path), []
    except InputError as error:
        problems = error.problems
    if any(p.code in ("yaml-syntax", "missing-file", "unreadable-file") for p in problems):
        return None, problems
    return salvage_document(path), problems


def _knowledge_files(root: Path) -> list[Path]:
    files = [root / name for name in ("sources.yaml", "claims.yaml", "scale.yaml", "areas.yaml", "parameters.yaml")]
    files = [f for f in files if f.is_file()]
    for folder in ("provisions", "baselines", "rules"):
        files += sorted((root / folder).rglob("*.yaml"))
    return files


def _load_file(kb: KnowledgeBase, root: Path, path: Path, doc: Document) -> list[Problem]:
    relative = path.relative_to(root)
    if not isinstance(doc.data, dict):
        return [doc.problem((), "expected a mapping at the top of the file", code="wrong-type")]
    if relative.name == "scale.yaml" and len(relative.parts) == 1:
        scale, problems = validate(doc, m.Scale, doc.data)
        if scale is not None:
            kb.scale = _with_spans(scale, doc, ())
        return problems
    if relative.name == "parameters.yaml" and len(relative.parts) == 1:
        return _parameters(doc, kb)
    if len(relative.parts) == 1:
        key, model = _TOP_FILES[relative.name]
        return _entries(doc, key, model, "", getattr(kb, key), extra_top=(), failed=kb.failed_ids)
    folder = relative.parts[0]
    namespace = ".".join(relative.with_suffix("").parts[1:])
    if folder == "provisions":
        problems = _top_keys(doc, ("instrument", "source", "binding", "provisions"),
                             required=("instrument", "source", "provisions"))
        inject = {"instrument": doc.data.get("instrument", ""), "source": doc.data.get("source", "")}
        binding = doc.data.get("binding", "legal")
        if binding not in ("legal", "political"):
            problems.append(doc.problem(("binding",), f"`binding` is legal or political, not {binding!r}",
                                        "write `binding: legal` (a treaty, statute, custom) or `binding: political` "
                                        "(a declaration, a recommending resolution)", code="bad-word"))
            binding = "legal"
        return problems + _entries(doc, "provisions", m.Provision, namespace, kb.provisions,
                                   extra_top=("instrument", "source", "binding"), inject=inject,
                                   failed=kb.failed_ids, defaults={"binding": binding})
    if folder == "baselines":
        return _entries(doc, "baselines", m.Baseline, namespace, kb.baselines, extra_top=(), failed=kb.failed_ids)
    if folder == "rules":
        return _rules(doc, kb)
    return []


def _parameters(doc: Document, kb: KnowledgeBase) -> list[Problem]:
    """parameters.yaml: the parameters, and the groups that expand into more (see expand_groups)."""
    problems = _top_keys(doc, ("parameters", "groups"), required=("parameters",))
    problems += _entries(doc, "parameters", m.Parameter, "", kb.parameters, extra_top=("groups",),
                         failed=kb.failed_ids)
    if "groups" in doc.data:
        problems += _entries(doc, "groups", m.ParameterGroup, "", kb.groups, extra_top=("parameters",),
                             failed=kb.failed_ids)
    problems += expand_groups(kb, doc)
    return problems


def expand_groups(kb: KnowledgeBase, doc: Document) -> list[Problem]:
    """Add a parameter for every field of every group (and every member of an `each` group), and a derived
    true/false parameter for every word of every set: `territory.donetsk.status`, `guarantee.guarantors.russia`."""
    problems = []
    for group in kb.groups.values():
        members = list(group.each or {}) or [None]
        for member in members:
            for name, spec in group.fields.items():
                pid = ".".join(part for part in (group.id, member, name) if part)
                path = ("groups", group.id, "fields", name)
                title = spec.title if member is None else f"{group.each[member]}: {spec.title}"
                data = {**spec.model_dump(exclude_none=True), "id": pid, "title": title, "group": group.id}
                data.setdefault("plan_points", group.plan_points)
                if data["plan_points"] is None:
                    del data["plan_points"]
                parameter = m.Parameter.model_validate(data)
                if pid in kb.parameters:
                    problems.append(doc.problem(path, f"group field '{pid}' is also a parameter",
                                                "rename one of them", code="duplicate-id"))
                    continue
                kb.parameters[pid] = _with_spans(parameter, doc, path)
    for parameter in [p for p in kb.parameters.values() if p.type == "set"]:
        for word in parameter.choices or []:
            pid = f"{parameter.id}.{word}"
            member = m.Parameter.model_validate({
                "id": pid, "title": f"{parameter.title}: {word}", "type": "boolean", "derived": True,
                "member_of": parameter.id, "group": parameter.group,
                "formula": f"whether '{word}' is among {parameter.id}"})
            if pid in kb.parameters:
                problems.append(doc.problem(parameter.yaml_path, f"set member '{pid}' is also a parameter",
                                            "rename one of them", code="duplicate-id"))
                continue
            kb.parameters[pid] = member.at(parameter.span, parameter.yaml_path)
    return problems


def _top_keys(doc: Document, allowed: tuple, required: tuple = ()) -> list[Problem]:
    problems = [doc.problem((key,), f"unknown key '{key}'", f"allowed keys here: {', '.join(allowed)}",
                            code="unknown-key") for key in doc.data if key not in allowed]
    problems += [doc.problem((), f"missing required key '{key}'", f"add `{key}:`", code="missing-key")
                 for key in required if key not in doc.data]
    return problems


def _entries(doc: Document, key: str, model: type[m._Model], namespace: str, into: dict,
             extra_top: tuple, inject: dict | None = None, failed: set | None = None,
             defaults: dict | None = None) -> list[Problem]:
    problems = _top_keys(doc, (key, *extra_top), required=(key,)) if not extra_top else []
    entries = doc.data.get(key)
    if entries is None:
        return problems
    if not isinstance(entries, dict):
        return problems + [doc.problem((key,), f"`{key}` must be a mapping of id to entry",
                                       "write `some-id:` lines with the entry indented below", code="wrong-type")]
    for name, entry in entries.items():
        path = (key, name)
        object_id = f"{namespace}.{name}" if namespace else str(name)
        if not isinstance(entry, dict):
            problems.append(doc.problem(path, f"entry '{name}' must be a mapping", code="wrong-type"))
            continue
        obj, found = validate(doc, model, {**(defaults or {}), **entry, **(inject or {}), "id": object_id}, path)
        problems += found
        if obj is None:
            (failed if failed is not None else set()).add(object_id)
            continue
        if object_id in into:
            problems.append(doc.problem(path, f"'{object_id}' is defined twice (first at {into[object_id].span})",
                                        "give one of them another id", code="duplicate-id"))
            continue
        into[object_id] = _with_spans(obj, doc, path)
    return problems


def _rules(doc: Document, kb: KnowledgeBase) -> list[Problem]:
    problems = _top_keys(doc, ("rules",), required=("rules",))
    rules = doc.data.get("rules")
    if not isinstance(rules, list):
        return problems + ([doc.problem(("rules",), "`rules` must be a list", "start each rule with '- id: '",
                                        code="wrong-type")] if "rules" in doc.data else [])
    known = kb.rules_by_id
    for index, raw in enumerate(rules):
        path = ("rules", index)
        rule, found = validate(doc, m.Rule, raw, path)
        problems += found
        if rule is None:
            kb.failed_ids.update(_raw_rule_ids(raw))
            continue
        if rule.id in known:
            problems.append(doc.problem(path + ("id",), f"rule {rule.id} is defined twice (first at {known[rule.id].span})",
                                        "rename one of them", subject=rule.id, code="duplicate-id"))
            continue
        known[rule.id] = rule
        kb.rules.append(_with_spans(rule, doc, path))
    return problems


def _raw_rule_ids(raw: Any) -> set[str]:
    """The rule id and conclusion id a rule that failed validation meant to have (for `ppexpert check`)."""
    if not isinstance(raw, dict):
        return set()
    ids = {str(raw.get("id"))}
    then = raw.get("then")
    if isinstance(then, dict):
        ids |= {f"{kind}.{then[kind]}" for kind in m.CONCLUSION_KINDS if kind in then}
    return ids


_PLAIN = frozenset((str, int, float, bool, type(None)))


def _with_spans(obj: Any, doc: Document, path: tuple) -> Any:
    """Give a validated object and every nested model the span (and YAML path) of the node it came from."""
    if isinstance(obj, m._Model):
        obj.at(doc.span(path), path)
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            if value.__class__ not in _PLAIN:  # text, numbers and null hold no model
                _with_spans(value, doc, path + (info.alias or name,))
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            if item.__class__ not in _PLAIN:
                _with_spans(item, doc, path + (index,))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if item.__class__ not in _PLAIN:
                _with_spans(item, doc, path + (key,))
    return obj
