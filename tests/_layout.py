"""Layout checks run inside the browser: horizontal overflow of the page, and words broken inside a run of letters
(a line break between two letters of one word, as `overflow-wrap: anywhere` or `word-break: break-all` make)."""
from __future__ import annotations

LAYOUT_PROBE = """
const root = document.documentElement;
const result = {overflow: root.scrollWidth - root.clientWidth, broken: [], wide: []};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const range = document.createRange();
const letters = /[A-Za-z\\u00C0-\\u024F]{2,}/g;
function top(node, start) {
  range.setStart(node, start); range.setEnd(node, start + 1);
  const box = range.getBoundingClientRect();
  return box.height ? box.top + box.height / 2 : null;
}
for (let node = walker.nextNode(); node && result.broken.length < 10; node = walker.nextNode()) {
  const text = node.textContent, parent = node.parentElement;
  if (!parent || !parent.getClientRects().length) continue;
  for (const match of text.matchAll(letters)) {
    const first = top(node, match.index), last = top(node, match.index + match[0].length - 1);
    if (first !== null && last !== null && Math.abs(last - first) > 4) {
      result.broken.push(match[0] + " in: " + text.trim().slice(0, 80));
      break;
    }
  }
}
for (const element of document.body.querySelectorAll("*")) {
  const box = element.getBoundingClientRect();
  if (box.width && box.right > root.clientWidth + 1 && !element.closest("[data-scrolls]") &&
      getComputedStyle(element).position !== "absolute") {
    result.wide.push(element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
                     (element.className && typeof element.className === "string" ? "." + element.className : "") +
                     " " + Math.round(box.right));
    if (result.wide.length >= 10) break;
  }
}
return result;
"""
