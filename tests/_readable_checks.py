"""What a reader must not see in an explanation or a report: internal ids, snake_case names, Python dicts, the
`<scenario>` placeholder, file paths, unformatted figures. Shared by the unit and the browser tests."""
from __future__ import annotations

import re

FORBIDDEN = {
    "snake_case name": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "Python dict": re.compile(r"\{'[^']*':"),
    "<scenario> placeholder": re.compile(r"<scenario>|<memory>"),
    "file path": re.compile(r"\.ya?ml\b|(?:^|\s)/[a-z]+/"),
    "rule id": re.compile(r"\b[A-Z]{2,5}(?:-[A-Z0-9]+)+(?:#\d+)?\b"),
    "conclusion id": re.compile(r"\b(?:risk|violation|requirement|commitment|consequence|finding)\.[a-z*]"),
    "figure without its thousands separator": re.compile(r"(?<![\d,.])\d{5,}(?![\d,])"),
}

ALLOWED_RULE_LIKE = {"ES-11", "UNGA-ES", "ICC-01", "VVER-1000"}  # names a reader knows (A/RES/ES-11/1, a case, a reactor)


def problems(text: str, source_ids: set[str] = frozenset()) -> list[str]:
    """Each forbidden thing found in `text`, as 'kind: match'."""
    found = []
    for kind, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            if kind == "rule id" and any(word in match.group(0) for word in ALLOWED_RULE_LIKE):
                continue
            found.append(f"{kind}: {match.group(0)!r}")
    for source in source_ids:
        if "-" in source and re.search(rf"(?<![\w/.-]){re.escape(source)}(?![\w-])", text):
            found.append(f"source id: {source!r}")
    return found


def visible(node, skip=("details", "id", "address")) -> list[str]:
    """Every text of a JSON answer a reader sees (keys in `skip` are for researchers or for links)."""
    if isinstance(node, dict):
        return [t for key, value in node.items() if key not in skip for t in visible(value, skip)]
    if isinstance(node, list):
        return [t for item in node for t in visible(item, skip)]
    return [node] if isinstance(node, str) else []
