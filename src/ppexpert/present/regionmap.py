"""Draw a region map (`ppexpert.reasoning.regions`): SVG or PNG through matplotlib, or one self-contained HTML
page (the SVG inline, and every region in a table with its exact bounds). Nothing here decides a level: each
rectangle is a region of the map as computed, and the plan's point is where the scenario puts it.
"""
from __future__ import annotations

import html
import io
import textwrap
from pathlib import Path
from typing import Any

from ppexpert.knowledge.conditions import show_value
from ppexpert.knowledge.problems import InputError, Problem, Span
from ppexpert.reasoning.regions import Band, MapAxis, RegionMap
from ppexpert.reasoning.sweep import extra

FORMATS = (".svg", ".png", ".html")
# low -> green, then yellow, orange, red; conclusions without a level: holds red-ish, does not hold grey
_PALETTE = ("#4daf4a", "#ffd92f", "#fc8d62", "#d7301f", "#7f0000")
_ABSENT, _HOLDS = "#d9d9d9", "#e7298a"


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError([Problem(Span("<command line>"), ("-o",), f"cannot tell the format of '{path}'",
                                  "name the file .svg, .png or .html", code="bad-output")])
    return suffix[1:]


def colour(level: Any, levels: tuple[str, ...]) -> str:
    if level is None or level is False:
        return _ABSENT
    if level is True:
        return _HOLDS
    rank = levels.index(level)
    return _PALETTE[min(round(rank * (len(_PALETTE) - 2) / max(len(levels) - 1, 1)), len(_PALETTE) - 1)]


def label(level: Any) -> str:
    return {None: "does not hold", False: "does not hold", True: "holds"}.get(level, level) \
        if not isinstance(level, str) else level


def write(regions: RegionMap, path: str | Path) -> None:
    kind = format_of(path)
    if kind == "html":
        Path(path).write_text(page(regions), encoding="utf-8")
    else:
        Path(path).write_bytes(figure_bytes(regions, kind))


def _span(axis: MapAxis, band: Band, index: int) -> tuple[float, float]:
    """Where a band sits on the drawing: its numbers, or one unit per word."""
    if band.numeric:
        return float(band.start), float(band.end)
    return index - 0.5, index + 0.5


def figure_bytes(regions: RegionMap, kind: str) -> bytes:
    matplotlib = extra("matplotlib")
    matplotlib.use("Agg")
    pyplot = extra("matplotlib.pyplot")
    patches = extra("matplotlib.patches")
    with matplotlib.rc_context({"svg.hashsalt": "ppexpert", "svg.fonttype": "none", "font.size": 9}):
        figure, axes = pyplot.subplots(figsize=(8, 5.5), dpi=100)
        try:
            x_index = {band: i for i, band in enumerate(regions.x.bands)}
            y_index = {band: i for i, band in enumerate(regions.y.bands)}
            for region in regions.regions:
                x0, x1 = _span(regions.x, region.x, x_index[region.x])
                y0, y1 = _span(regions.y, region.y, y_index[region.y])
                fill = colour(region.level, regions.levels)
                if x1 == x0 or y1 == y0:  # a class of one value: a line
                    axes.plot([x0, x1], [y0, y1], color=fill, linewidth=2, solid_capstyle="butt")
                    continue
                axes.add_patch(patches.Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=fill, edgecolor="white",
                                                 linewidth=0.6))
            _axis(axes, regions.x, "x")
            _axis(axes, regions.y, "y")
            if regions.x.plan is not None and regions.y.plan is not None:
                px = _position(regions.x, regions.x.plan)
                py = _position(regions.y, regions.y.plan)
                axes.plot([px], [py], marker="*", markersize=16, color="black", markeredgecolor="white")
                axes.annotate(f"{regions.plan}: {label(regions.plan_level)}", (px, py), xytext=(8, 8),
                              textcoords="offset points", fontsize=9, fontweight="bold")
            seen = []
            for region in regions.regions:
                if region.level not in seen:
                    seen.append(region.level)
            order = sorted(seen, key=lambda lv: regions.levels.index(lv) if isinstance(lv, str) else -1)
            handles = [patches.Patch(facecolor=colour(lv, regions.levels), label=label(lv)) for lv in order]
            axes.legend(handles=handles, title=regions.conclusion, loc="upper left", bbox_to_anchor=(1.01, 1))
            axes.set_title(f"{regions.conclusion} for {regions.plan_title}\n(other inputs as the plan sets them; "
                           "boundaries are the rules' thresholds)", fontsize=9)
            figure.tight_layout()
            buffer = io.BytesIO()
            metadata = {"Date": None} if kind == "svg" else {"Software": None}
            figure.savefig(buffer, format=kind, metadata=metadata)
            return buffer.getvalue()
        finally:
            pyplot.close(figure)


def exact(value: Any) -> str:
    """A number as the rules cut at it: thousands separated, up to four decimals, nothing rounded away."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}".rstrip("0")
    return show_value(value)


def _axis(axes, axis: MapAxis, which: str) -> None:
    text = textwrap.fill(f"{axis.name}: {axis.title}" + (f" ({axis.unit})" if axis.unit else ""), 70)
    if axis.kind in ("number", "integer"):
        ticks: list = []
        for tick in [axis.low, *axis.breaks] + ([axis.high] if axis.high not in axis.breaks else []):
            if ticks and tick - ticks[-1] < (axis.high - axis.low) / 40:
                continue  # too close to the last to be read; the HTML table lists every bound
            ticks.append(tick)
        labels = [exact(t) for t in ticks]
        lim = (float(axis.low), float(axis.high))
    else:
        ticks = list(range(len(axis.bands)))
        labels = [show_value(b.value) for b in axis.bands]
        lim = (-0.5, len(axis.bands) - 0.5)
    if which == "x":
        axes.set_xlim(*lim)
        axes.set_xticks([float(t) for t in ticks], labels, rotation=45 if axis.kind != "choice" else 0, ha="right"
                        if axis.kind != "choice" else "center")
        axes.set_xlabel(text)
    else:
        axes.set_ylim(*lim)
        axes.set_yticks([float(t) for t in ticks], labels)
        axes.set_ylabel(text)


def _position(axis: MapAxis, value: Any) -> float:
    if axis.kind in ("number", "integer"):
        return float(value)
    values = [b.value for b in axis.bands]
    return float(values.index(value)) if value in values else -1.0


def _bounds(axis: MapAxis, band: Band) -> str:
    name = html.escape(axis.name)
    if not band.numeric:
        return f"{name} = {html.escape(show_value(band.value))}"
    if band.start == band.end:
        return f"{name} = {exact(band.start)}"
    last = band is axis.bands[-1]
    return f"{exact(band.start)} ≤ {name} {'≤' if last else '&lt;'} {exact(band.end)}"


def page(regions: RegionMap) -> str:
    """One self-contained page: the drawing, then every region with its exact bounds and level."""
    svg = figure_bytes(regions, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML prologue and doctype: the SVG sits inside the HTML
    rows = "\n".join(
        f"<tr><td>{_bounds(regions.x, r.x)}</td><td>{_bounds(regions.y, r.y)}</td>"
        f"<td><span class=\"swatch\" style=\"background:{colour(r.level, regions.levels)}\"></span>"
        f"{html.escape(label(r.level))}</td></tr>" for r in regions.regions)
    where = ""
    if regions.x.plan is not None and regions.y.plan is not None:
        where = (f" at {html.escape(regions.x.name)} = {html.escape(exact(regions.x.plan))}, "
                 f"{html.escape(regions.y.name)} = {html.escape(exact(regions.y.plan))}")
    title = f"{regions.conclusion} over {regions.x.name} and {regions.y.name}: {regions.plan_title}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222}}
svg{{max-width:100%;height:auto}}table{{border-collapse:collapse;font-size:.9rem}}
td,th{{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left}}
.swatch{{display:inline-block;width:.8rem;height:.8rem;margin-right:.4rem;vertical-align:middle}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>The plan ({html.escape(regions.plan)}) gives <strong>{html.escape(label(regions.plan_level))}</strong>{where}.
Every other input stays as the plan sets it. The boundaries are the rules' own thresholds, carried back through
derived values: every value inside a region gives its level.</p>
{svg}
<h2>Regions</h2>
<table><thead><tr><th>{html.escape(regions.x.name)}</th><th>{html.escape(regions.y.name)}</th>
<th>{html.escape(regions.conclusion)}</th></tr></thead><tbody>
{rows}
</tbody></table>
</body></html>
"""
