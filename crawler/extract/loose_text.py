"""Paragraph boundaries of loose text: text runs that stand beside blocks or between ``<br>``s.

Bodies written outside a CMS's paragraph markup (a WeChat post: ``<section>`` runs of text
split by ``<br>``; older pages: ``text<br><div></div>text``) put their paragraphs straight into a
container. Read as they are, two runs come out as one paragraph, or are dropped as boilerplate.
`wrap_loose_text` gives each run its own ``<p>`` first, so each stays a paragraph.
"""

from __future__ import annotations

from lxml.html import HtmlElement, fromstring

#: containers whose loose text runs become paragraphs (a <p> with <br>s stays one paragraph:
#: its lines are a poem, an address; the Markdown reader keeps them as lines)
CONTAINERS = ("div", "section", "article", "td", "blockquote", "center", "main")
#: elements that flow inside a line of text
INLINE = frozenset((
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "img", "ins", "kbd",
    "label", "mark", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
    "u", "var",
))  # fmt: skip


def wrap_loose_text(root: HtmlElement) -> None:
    """Give every text run of a container that also holds blocks or ``<br>``s a ``<p>`` of
    its own, in place."""
    for el in list(root.iter(*CONTAINERS)):
        if _has_loose_text(el) or (el is not root and _is_bare_paragraph(el)):
            _wrap_runs(el)


def _is_bare_paragraph(el: HtmlElement) -> bool:
    """A container of text and inline elements only, standing among blocks: a paragraph
    without its ``<p>`` (``<section><span>原标题：…</span></section>``)."""
    children = [c for c in el if isinstance(c.tag, str)]
    if any(c.tag == "br" or c.tag not in INLINE for c in children) or not el.text_content().strip():
        return False
    parent = el.getparent()
    return parent is not None and any(
        isinstance(s.tag, str) and s is not el and s.tag not in INLINE for s in parent
    )


def _has_loose_text(el: HtmlElement) -> bool:
    children = [c for c in el if isinstance(c.tag, str)]
    if not any(c.tag == "br" or c.tag not in INLINE for c in children):
        return False  # all inline: the container is one paragraph already
    if (el.text or "").strip():
        return True
    return any((c.tail or "").strip() or (c.tag in INLINE and c.text_content().strip()) for c in el)


def _wrap_runs(el: HtmlElement) -> None:
    """Each run of text and inline elements between ``<br>``s and blocks into a ``<p>``."""
    runs: list[list | HtmlElement] = [[el.text or ""]]
    el.text = None
    for child in list(el):
        tail, child.tail = child.tail or "", None
        el.remove(child)
        if not isinstance(child.tag, str):  # a comment: only its tail counts
            pass
        elif child.tag == "br":
            runs.append([])
        elif child.tag in INLINE:
            runs[-1].append(child)
        else:
            runs.extend([child, []])
        runs[-1].append(tail)
    for run in runs:
        if not isinstance(run, list):
            el.append(run)
        elif any(isinstance(part, HtmlElement) or part.strip() for part in run):
            el.append(_paragraph(run))


def _paragraph(run: list) -> HtmlElement:
    p = fromstring("<p></p>")
    last: HtmlElement | None = None
    for part in run:
        if isinstance(part, str):
            if last is None:
                p.text = (p.text or "") + part
            else:
                last.tail = (last.tail or "") + part
        else:
            p.append(part)
            last = part
    return p
