"""Accessibility and layout checks run inside Chromium on a page Playwright has open.

axe-core is the npm package `axe-core`, vendored at tests/browser/vendor/axe-core/ (its
axe.min.js and licence; CI has no Node). To move to another version:

    npm pack axe-core@VERSION && tar xzf axe-core-VERSION.tgz
    cp package/axe.min.js package/LICENSE tests/browser/vendor/axe-core/

and update AXE_VERSION below (the test checks the file is that version).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Runs in the page: every element whose content is wider than the box that shows it and is
# not scrollable there is "clipped"; the document itself must not scroll sideways.
_LAYOUT_JS = """
() => {
  const doc = document.documentElement, vw = window.innerWidth;
  const out = {overflow: doc.scrollWidth - vw, clipped: [], wide: []};
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const inScroller = el => {  // inside a horizontally scrollable box: the user reaches it all
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (scrolls(box)) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('table, pre, svg, img, .card, figure')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('details:not([open])')) continue;
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (scrolls(box)) break;
      if (['hidden', 'clip'].includes(getComputedStyle(box).overflowX)) {
        const b = box.getBoundingClientRect();
        if (r.right > b.right + 1 || r.left < b.left - 1) {
          out.clipped.push(describe(el) + ' inside ' + describe(box));
        }
      }
    }
    const free = !inScroller(el);
    if (free && r.right > vw + 1) {
      out.clipped.push(describe(el) + ' ends at ' + Math.round(r.right) + 'px');
    }
    if (free && el.tagName === 'TABLE' && el.scrollWidth > el.clientWidth + 1) {
      out.clipped.push(describe(el) + ' content wider than the table');
    }
  }
  // Text or boxes spilling out of a block that does not scroll (a long figure in a card).
  for (const el of document.body.querySelectorAll('*')) {
    if (el.clientWidth === 0 || el.scrollWidth <= el.clientWidth + 1) continue;
    const s = getComputedStyle(el);
    if (s.overflowX !== 'visible' || s.display.startsWith('inline')) continue;
    if (el.tagName === 'TABLE' || el.closest('details:not([open])') || el.closest('svg')) continue;
    if (!inScroller(el)) {
      out.clipped.push('content of ' + describe(el) + ' sticks out by ' +
        (el.scrollWidth - el.clientWidth) + 'px');
    }
  }
  if (out.overflow > 1) {  // name the elements that stick out (deepest first)
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= vw + 1 || r.width === 0 || inScroller(el)) continue;
      if (![...el.children].some(c => c.getBoundingClientRect().right > vw + 1)) {
        out.wide.push(describe(el) + ' ends at ' + Math.round(r.right) + 'px');
      }
    }
    out.wide = out.wide.slice(0, 5);
  }
  return out;
}
"""

_IDS_JS = """
() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => id + ' x' + n);
}
"""


def axe_on_every_page(page: Any) -> None:
    """axe-core in every document the tab loads from now on (Chromium evaluates it at each
    document's start, before the page's own scripts; it only defines `window.axe` until run).
    Chromium keeps the script, so it crosses from Playwright to Chromium once per tab instead
    of ~0.56 MB per page with `add_script_tag`: 16 pages 4.2 -> 1.6 s of CPU. The `tab` fixture
    removes it after the test (the tab serves the next test too)."""
    page.init_scripts.append(page.add_init_script(path=str(AXE_JS)))


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # not axe_on_every_page
        page.add_script_tag(path=str(AXE_JS))
    assert page.evaluate("axe.version") == AXE_VERSION
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for v in result["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        lines.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}: {targets})")
    return lines


def layout_problems(page: Any) -> list[str]:
    """Sideways scrolling of the page and clipped tables, figures and cards."""
    found = page.evaluate(_LAYOUT_JS)
    problems = list(dict.fromkeys(found["clipped"]))
    if found["overflow"] > 1:
        wide = "; ".join(found.get("wide") or [])
        problems.insert(0, f"page scrolls {found['overflow']}px sideways ({wide})")
    return problems


def duplicate_ids(page: Any) -> list[str]:
    return list(page.evaluate(_IDS_JS))
