"""Terminal presentation (rich): reads the assessment's JSON document and explanation data; computes nothing."""
from __future__ import annotations

import io
import os
import sys

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

_KIND_SHOWN = ("violation", "requirement", "commitment")  # a card line says which of these it is
_LEVEL_STYLE = {"low": "green", "medium": "yellow", "high": "red", "critical": "bold white on red"}


def console(file=None) -> Console:
    """Colour on a terminal; plain, fixed-width text otherwise (pipes and tests get stable bytes). NO_COLOR (any
    value, no-color.org) turns colour off; FORCE_COLOR turns it on where the output is not a terminal."""
    file = file or sys.stdout
    tty = ((hasattr(file, "isatty") and file.isatty()) or bool(os.environ.get("FORCE_COLOR"))) and \
        not os.environ.get("NO_COLOR")
    return Console(file=file, width=None if tty else 100, force_terminal=tty, color_system="auto" if tty else None,
                   highlight=False, soft_wrap=False, emoji=False)


def _level(level: str | None) -> str:
    if not level:
        return "-"
    style = _LEVEL_STYLE.get(level, "bold")
    return f"[{style}]{level.upper()}[/]"


def _escape(text: str | None) -> str:
    from rich.markup import escape  # lazy, for start-up speed: rich only when text is rendered
    return escape(text or "")


def _possible(outcomes: list) -> str:
    shown = [o if o is not None else "none" for o in outcomes]
    return "could be " + (", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0])


def _decided(conclusion: dict) -> list[str]:
    """One line per possible level: the classes of the unknown inputs that allow it."""
    lines = []
    for item in conclusion.get("decided_by", []):
        needs = "; ".join(f"{n['input']} {' or '.join(n['one_of'])}" for n in item["needs"]) or "any values"
        lines.append(f"{item['level'] if item['level'] is not None else 'none'} if {needs}")
    if conclusion.get("bounded"):
        lines.append("not enumerated: the unknown inputs have too many combinations, or decide a share derived from "
                     "several of them, so these are every level its rules allow, not exact bounds")
    return lines


# The kinds of conclusion, in the order a reader meets them (risks are shown per area above).
SECTIONS = (("Violations of binding law", "violations"), ("Requirements: legal steps the plan needs", "requirements"),
            ("Political commitments", "commitments"), ("Consequences", "consequences"))


def cited(item: dict, most: int = 3) -> str:
    """The citations of a conclusion, legal basis apart from context; says how many more there are."""
    parts = []
    if item["sources"] and all(s.get("role") == "context" for s in item["sources"]):
        parts.append("no legal basis of its own")
    for role, name in (("basis", "basis"), ("context", "context, not a basis")):
        sources = [s for s in item["sources"] if s.get("role", "basis") == role]
        if sources:
            shown = "; ".join(f"{s['title']}, {s['locator']}" for s in sources[:most])
            more = f"; and {len(sources) - most} more (ppexpert why)" if len(sources) > most else ""
            parts.append(f"{name}: {shown}{more}")
    return " | ".join(parts)


def requirement_lines(item: dict) -> list[tuple[str, str]]:
    """A requirement's step, what bars or conditions it, and how it could be met, as (name, text) lines."""
    req = item.get("requirement")
    if not req:
        return []
    lines = [("Step", req["step"])]
    for name, key in (("Barred by", "barred_by"), ("Conditioned by", "conditioned_by")):
        if req[key]:
            lines.append((name, "; ".join(f"{c['title']}, {c['locator']}" for c in req[key])))
    return lines + [("Could be met", req["met_by"])]


def render_assessment(document: dict, out: Console) -> None:
    scenario = document["scenario"]
    overall = document["overall"]
    out.print(f"[bold]{_escape(scenario['title'])}[/]  ({scenario['id']}, knowledge base {document['knowledge_version']})")
    out.print(f"Law and facts as of {document['as_of']}" if document.get("as_of")
              else "Law and facts: the knowledge base's current values (the scenario has no date)")
    if overall and overall.get("undetermined"):
        out.print(f"Overall risk: [yellow]UNDETERMINED[/] ({_possible(overall['possible_levels'])}): "
                  "the plan leaves inputs unknown that would decide it")
        for line in _decided(overall):
            out.print(f"  {_escape(line)}")
    elif overall:
        out.print(f"Overall risk: {_level(overall['level'])}  {_escape(overall['because'])}")
    out.print()
    for area in document["areas"]:
        if not area["lines"] and not area["rated"]:
            continue  # an area whose rules drew nothing here and which carries no risk level
        level = _level(area["level"]) if area["level"] or not area["open"] else "[yellow]UNDETERMINED[/]"
        if area.get("undetermined"):
            level = f"[yellow]UNDETERMINED[/] ({_possible(area['possible_levels'])})"
        heading = f"{_escape(area['title'])}: {level}" if area["rated"] else _escape(area["title"])
        table = Table(title=heading, title_justify="left",
                      show_header=False, expand=False, box=None, padding=(0, 2))
        table.add_column("label", style="bold", no_wrap=True)
        table.add_column("line", overflow="fold")
        for line in area["lines"]:
            table.add_row(_escape(line["label"] or line["kind"]), _escape(line["text"]) +
                          (f" [dim]({line['kind']})[/]" if line["kind"] in _KIND_SHOWN else ""))
        for ground in area.get("grounds") or ([{"because": area["because"]}] if area["because"] else []):
            table.add_row("Risk", _escape(ground["because"]))
        for sentence in area["open"]:
            table.add_row("Open", _escape(sentence))
        out.print(table)
        out.print()
    for title, key in SECTIONS:
        items = document.get(key, [])
        if not items:
            continue
        table = Table(title=f"[bold]{title}[/] ({len(items)})", title_justify="left", show_header=False,
                      box=None, padding=(0, 1))
        table.add_column("id", no_wrap=True)
        table.add_column("text", overflow="fold")
        for item in items:
            flag = "\n[yellow]rests on a disputed value[/]" if item["rests_on_disputed_value"] else ""
            flag += "".join(f"\n[yellow]{_escape(caveat)}[/]" for caveat in item["caveats"])
            grounds = item.get("grounds") or [{"because": item["because"], "sources": item["sources"]}]
            text = "\n".join(_ground_text(ground, len(grounds) > 1) for ground in grounds)
            parts = "".join(f"\n{name}: {_escape(line)}" for name, line in requirement_lines(item))
            table.add_row(_escape(item["id"]), f"{text}{parts}{flag}")
        out.print(table)
        out.print()
    if document["undetermined"]:
        table = Table(title="[bold]Left open by unknown inputs[/]", title_justify="left", show_header=False,
                      box=None, padding=(0, 1))
        table.add_column("rule", no_wrap=True)
        table.add_column("text", overflow="fold")
        for item in document["undetermined"]:
            table.add_row(item["rule"], _escape(item["sentence"]))
        out.print(table)
        out.print()
    if document["assumptions"]:
        out.print("[bold]Assumptions[/] (the scenario's values replace the knowledge base's)")
        for item in document["assumptions"]:
            out.print(f"  - {item['baseline']} = {item['value']:,} from {item['source']} "
                      f"(knowledge base: {item['kb_value']:,})"
                      if isinstance(item["value"], (int, float)) and isinstance(item["kb_value"], (int, float))
                      else f"  - {item['baseline']} = {item['value']} from {item['source']}")
    out.print(f"Why? ppexpert why {scenario['file']} <id>   (ids: risk.<area>, violation.<provision>, requirement.<name>, ...)")


def _ground_text(ground: dict, several: bool) -> str:
    """A ground's sentence (with its rule when the conclusion has several) and its first citations, saying how many
    more there are."""
    rule = f" [dim]({ground['rule']})[/]" if several else ""
    return f"{_escape(ground['because'])}{rule}\n[dim]{_escape(cited(ground))}[/]"


def render_why(tree: dict, out: Console) -> None:
    if not tree.get("holds", True):
        out.print(f"[bold]{_escape(tree['text'])}[/]")
        render_why_not(tree["why_not"], out)
        return
    as_of = f"  [dim](law and facts as of {tree['as_of']})[/]" if tree.get("as_of") else ""
    root = Tree(f"[bold]{_escape(tree['text'])}[/]{as_of}")
    _conclusion_branch(tree, root)
    out.print(root)


KIND_MEANING = {
    "violation": "adopting or carrying out the plan's terms would breach binding law",
    "requirement": "a legal step the plan needs, which the law bars or conditions",
    "commitment": "the plan cuts against a politically (not legally) binding commitment",
    "consequence": "what would follow in fact",
    "finding": "a derived fact about the plan",
}


def _conclusion_branch(node: dict, branch: Tree) -> None:
    if node.get("kind") in KIND_MEANING:
        branch.add(f"[dim]kind: {node['kind']}: {KIND_MEANING[node['kind']]}[/]")
    for name, text in requirement_lines(node):
        branch.add(f"{name}: {_escape(text)}")
    for defeat in node.get("defeated", []):
        branch.add(f"[dim]defeated: {_escape(defeat['reason'])}[/]")
    for caveat in node.get("caveats", []):
        branch.add(f"[yellow]{_escape(caveat)}[/]")
    for disputed in node.get("disputed", []):
        what = "assumed by the scenario" if disputed["assumed"] else "sources disagree"
        branch.add(f"[yellow]rests on {disputed['baseline']} = {disputed['value']} ({what}; "
                   f"knowledge base: {disputed['kb_value']})[/]")
    for derivation in node["derivations"]:
        rule = branch.add(f"because rule {derivation['rule']}: {_escape(derivation['title'])}  [dim]{derivation['at']}[/]")
        if derivation.get("floor"):
            floor = derivation["floor"]
            rule.add(f"[bold]floor[/]: the scale makes the area at least {floor['level']} because "
                     f"{floor['trigger']} stands  [dim]{floor['at']}[/]")
        if derivation.get("because") and len(node.get("grounds", ())) > 1:
            rule.add(f"ground: {_escape(derivation['because'])}")
        if derivation.get("rationale"):
            rule.add(f"[dim]threshold: {_escape(derivation['rationale'])}[/]")
        for premise in derivation["premises"]:
            _premise_branch(premise, rule)
        for role, key in (("legal and factual basis", "rests_on"), ("context, not a basis", "context")):
            citations = derivation.get(key, [])
            if not citations:
                continue
            group = rule.add(f"[bold]{role}[/] ({len(citations)})")
            for citation in citations:
                address = f" <{citation['address']}>" if citation.get("address") else ""
                group.add(f"{_escape(citation['title'])}, {_escape(citation['locator'])}: "
                          f"{_escape(citation['text'])}{_escape(address)}")
        if derivation.get("no_basis"):
            rule.add(f"[dim]{derivation['no_basis']}[/]")


def _premise_branch(premise: dict, parent: Tree) -> None:
    test = f"[dim]({_escape(premise.get('test', ''))})[/] " if premise.get("test") else ""
    if premise["type"] == "conclusion":
        branch = parent.add(f"{test}{_escape(premise['text'])}")
        _conclusion_branch(premise, branch)
        return
    branch = parent.add(f"{test}{_escape(premise['text'])}")
    citation = premise.get("citation")
    if citation:
        branch.add(f"source: {_escape(citation['title'])}, {_escape(citation['locator'])}")
    for child in premise.get("children", []):
        _premise_branch(child, branch)


def render_why_not(result: dict, out: Console) -> None:
    target = result["id"] + (f" = {result['level']}" if result.get("level") else "")
    if result.get("as_of"):
        target += f" (as of {result['as_of']})"
    if result["holds"]:
        out.print(f"{target} holds (level {result['current_level']}); see `ppexpert why`.")
    else:
        current = f" (it is {result['current_level']})" if result.get("current_level") else ""
        out.print(f"[bold]Why not {target}?[/]{current}")
    for rule in result["rules"]:
        branch = Tree(f"{_escape(rule['verdict'])}  [dim]{rule['at']}[/]")
        for test in rule["tests"]:
            mark = "ok  " if test["holds"] else "FAIL"
            branch.add(f"{mark} {_escape(test['test'])} (actual: {_escape(test['actual'])})")
        out.print(branch)


def render_what_if(result: dict, out: Console) -> None:
    out.print(f"[bold]What would change {result['id']}?[/] (now {result['now']})")
    if not result["changes"]:
        out.print("  no single input change alters it")
    for change in result["changes"]:
        out.print(f"  - {_escape(change['text'])}")


def to_text(render, data) -> str:
    buffer = io.StringIO()
    render(data, Console(file=buffer, width=100, color_system=None, highlight=False, emoji=False))
    return buffer.getvalue()
