"""`ppexpert claims`: the sources' factual claims, each set against the public record, with sources for both.

`claims_json(kb)` is the data (what `--format json` prints); the text form reads it and computes nothing.
"""
# Imports inside the handlers are lazy, for start-up speed: each command loads only what it needs.
from __future__ import annotations

import argparse

from rich.markup import escape

from ppexpert.cli import add_format, emit_json
from ppexpert.knowledge.model import ClaimStatus
from ppexpert.knowledge.problems import InputError, Problem, Span

STATUSES: tuple[str, ...] = ClaimStatus.__args__  # confirmed, partly, differs, unverified


def add(sub) -> None:
    p = sub.add_parser("claims", help="the sources' factual claims set against the public record")
    p.add_argument("--status", choices=STATUSES, help="only claims with this status, e.g. differs")
    p.add_argument("--source", metavar="ID", help="only claims of this source, e.g. seed-article")
    add_format(p)
    p.set_defaults(handler=_claims)


def _cite(kb, source_id: str, locator: str, address: str | None = None) -> dict:
    source = kb.sources[source_id]
    return {"source": source_id, "title": source.title, "locator": locator,
            "address": address or source.address, "date": source.date.isoformat() if source.date else None}


def claims_json(kb, status: str | None = None, source: str | None = None) -> dict:
    """Every claim (optionally of one status or one source), in knowledge-base order, with resolved citations."""
    items = []
    for claim in kb.claims.values():
        if (status and claim.status != status) or (source and claim.source != source):
            continue
        items.append({
            "id": claim.id,
            "status": claim.status,
            "claim": claim.claim,
            "claimed_by": _cite(kb, claim.source, claim.locator),
            "record": claim.record,
            "record_sources": [_cite(kb, c.source, c.locator, c.address) for c in claim.record_sources],
            "about": list(claim.about),
        })
    counts = {s: sum(1 for c in kb.claims.values() if c.status == s and (not source or c.source == source))
              for s in STATUSES}
    return {"knowledge_version": kb.version, "filter": {"status": status, "source": source},
            "counts": counts, "claims": items}


def _claims(args: argparse.Namespace) -> int:
    from ppexpert.present.text import console
    from ppexpert.reasoning import knowledge_for
    kb = knowledge_for(args.knowledge)
    if args.source and args.source not in kb.sources:
        raise InputError([Problem(Span(str(kb.root / "sources.yaml")), ("sources",),
                                  f"unknown source '{args.source}'",
                                  "sources with claims: " + ", ".join(sorted({c.source for c in kb.claims.values()})),
                                  code="unknown-source")])
    document = claims_json(kb, args.status, args.source)
    if args.format == "json":
        emit_json(document)
        return 0
    out = console()
    counts = ", ".join(f"{n} {s}" for s, n in document["counts"].items())
    out.print(f"[bold]Claims of sources against the public record[/] ({counts}; knowledge base {kb.version})")
    for item in document["claims"]:
        said = item["claimed_by"]
        out.print()
        out.print(f"[bold]{escape(item['id'])}[/]  [{item['status'].upper()}]")
        out.print(f"  {escape(said['title'])}, {escape(said['locator'])}:")
        out.print(f"    {escape(item['claim'])}")
        out.print("  Record:")
        out.print(f"    {escape(item['record'])}")
        for cite in item["record_sources"]:
            out.print(f"    - {escape(cite['title'])}, {escape(cite['locator'])} <{escape(cite['address'])}>")
        if item["about"]:
            out.print(f"  About: {escape(', '.join(item['about']))}")
    if not document["claims"]:
        out.print("No claims match.")
    return 0
