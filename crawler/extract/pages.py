"""Articles split over several pages: finding the next page of the same article, and joining the
pages' bodies into one.

An article's page N+1 is recognised by URL: ``story_2.htm`` after ``story.htm`` (and ``_3``
after ``_2``), or the same URL with ``page=N+1`` (``p``, ``pn``, ``pg``, ``pageNo``). A link
labelled as the next page (``rel=next``, 下一页, Next page) is followed too when it stays under
the article's own path, so "next article" links and listing pages are never taken for a page.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml.html import HtmlElement

from crawler.extract.links import absolute_url
from crawler.extract.metadata import clean_text

#: never join more pages than this into one article
MAX_PAGES = 30
#: link texts (lower-cased, spaces removed) of "next page" inside an article
NEXT_PAGE_TEXTS = {"下一页", "下页", "下一頁", "下頁", "下一页>", "下一页>>", "nextpage", "next›"}
NEXT_PAGE_TEXTS |= {"next»", "next>", "nextpage»", "nextpage›", "next"}
#: text of a pagination bar: page numbers, arrows and 上一页/下一页 only
_PAGINATION_BAR = re.compile(
    r"^(?:\s|\d+|[<>«»‹›…|/\[\]()]|上一页|下一页|上页|下页|上一頁|下一頁|首页|尾页|末页|"
    r"共\d+页|第\d+页|previous|next|prev|page|first|last)+$",
    re.I,
)
_PATH_PAGE = re.compile(r"^(?P<stem>.+?)_(?P<n>\d{1,3})(?P<ext>\.[a-z]{2,5})?$", re.I)
_PAGE_PARAMS = ("page", "p", "pn", "pg", "pageno")
#: a cheap first look at an href: does it carry a page number at all (query or ``_N`` suffix)?
_NUMBERED = re.compile(r"[?&](?:page|p|pn|pg|pageno)=\d|_\d{1,3}(?:\.[a-z]{2,5})?(?:[?#/]|$)", re.I)
#: a paragraph ending in one of these characters is cut mid-sentence (a CJK character, a Latin
#: letter or digit, or a comma): the next page carries on with the same paragraph
_OPEN_END = re.compile(r"[\w\u3400-\u9fff\uf900-\ufaff，,、]$")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: the only links the loop in `next_page_url` can take, picked by lxml in C (a page has
#: hundreds of links): rel=next, an href that may carry a page number (``=``, ``_``), or a text
#: that may be a "next page" label (every label has 下 or an n)
_CANDIDATE_LINKS = (
    "//a[@href][@rel='next' or contains(@href, '=') or contains(@href, '_')"
    " or contains(., '下') or contains(., 'n') or contains(., 'N')]"
    " | //link[@rel='next'][@href]"
)


def page_of(url: str) -> tuple[str, int]:
    """(the article's URL without its page marker, page number); page 1 when unmarked."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    number = 1
    kept = []
    for key, value in query:
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            number = int(value)
        else:
            kept.append((key, value))
    path = parts.path
    head, _, name = path.rpartition("/")
    m = _PATH_PAGE.match(name)
    if m and number == 1:
        number = int(m.group("n"))
        path = f"{head}/{m.group('stem')}{m.group('ext') or ''}"
    base = urlunsplit((parts.scheme, parts.netloc.lower(), path, urlencode(kept), ""))
    return base, number


def _path_stem(url: str) -> str:
    path = urlsplit(page_of(url)[0]).path
    return re.sub(r"\.[a-z]{2,5}$", "", path, flags=re.I).rstrip("/")


#: a start tag of a link, its attributes quote-aware (a ``>`` inside a quoted value is no end)
_LINK_TAG = re.compile(r"""<(a|link)\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.I)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_REL_NEXT = re.compile(r"""\brel\s*=\s*["']?[^"'>]*\bnext\b""", re.I)
_CLOSE_A = re.compile(r"</a\s*>", re.I)
_TAGS = re.compile(r"<[^>]*>")
#: what a "next page" label holds, whatever surrounds it (looser than NEXT_PAGE_TEXTS; spaces
#: between its characters are allowed, as `next_page_url` drops them)
_LABEL_HINT = re.compile(r"下\s*[一页頁]|n\s*e\s*x\s*t", re.I)
#: an attribute list that may hold rel=next or a page number (``=N``, ``_N``), or that hides
#: characters behind references (``&#61;``, ``&equals;``): the only ones read closely
_ATTRIBUTE_HINT = re.compile(r"next|[=_]\d|&", re.I)
#: an anchor's inner markup that may hold a label: 下, an n (of next) or a reference
_TEXT_HINT = re.compile(r"[下nN&]")


def may_have_next_page(page: str) -> bool:
    """A quick look at the markup, no parse: False only when no link of `page` could be taken
    by `next_page_url` (no rel=next, no href with a page number, no link text like a "next
    page" label). Looser than `next_page_url` (links in comments and scripts count, a label need
    only contain a hint), so a False is safe and most article pages skip the full parse.

    Most links of a page are read by a few searches in C: their attributes hold no hint of
    rel=next or a page number, and their text no 下 or n; only the others are read closely."""
    for tag in _LINK_TAG.finditer(page):
        attributes = tag.group(2)
        if _ATTRIBUTE_HINT.search(attributes) and _attributes_may_lead_on(attributes):
            return True
        if tag.group(1) not in ("a", "A"):
            continue
        close = _CLOSE_A.search(page, tag.end(), tag.end() + 50_000)
        if close is None:
            return True  # an anchor left open: let the parser decide where it ends
        inner = page[tag.end() : close.start()]
        if "<" in inner:
            inner = _TAGS.sub("", inner)
        if _TEXT_HINT.search(inner) and _LABEL_HINT.search(html.unescape(inner)):
            return True
    return False


def _attributes_may_lead_on(attributes: str) -> bool:
    """Whether a link's attributes make it rel=next or point to a numbered page."""
    if _REL_NEXT.search(attributes):
        return True
    href = _HREF.search(attributes)
    if href is None:
        return False
    raw = html.unescape(next(g for g in href.groups() if g is not None))
    return bool(_NUMBERED.search(raw.strip())) or "&#" in raw


def next_page_url(page: str | HtmlElement, url: str) -> str | None:
    """The URL of the next page of the article at `url`, or None when it has no more pages."""
    if not url:
        return None
    if isinstance(page, str) and not may_have_next_page(page):
        return None
    doc = lxml.html.document_fromstring(page) if isinstance(page, str) else page
    base, number = page_of(url)
    if number >= MAX_PAGES:
        return None
    host, stem = urlsplit(url).netloc.lower(), _path_stem(url)
    labelled = []
    for a in doc.xpath(_CANDIDATE_LINKS):
        raw, label = a.get("href").strip(), ""
        if a.get("rel") != "next" and not _NUMBERED.search(raw):
            # neither a numbered page nor rel=next: only a "next page" label can make it one
            text = a.text_content() if a.tag == "a" else ""
            label = re.sub(r"\s+", "", clean_text(text)).lower() if len(text) < 40 else ""
            if label not in NEXT_PAGE_TEXTS:
                continue
        href = absolute_url(url, raw)
        if (
            not href
            or urlsplit(href).netloc.lower() != host
            or href.split("#")[0] == url.split("#")[0]
        ):
            continue
        href_base, href_number = page_of(href)
        if href_base == base and href_number == number + 1:
            return href.split("#")[0]
        if href_base == base and href_number <= number:
            continue  # an earlier page of the same article
        if (a.get("rel") == "next" or label in NEXT_PAGE_TEXTS) and _same_article(href, stem):
            labelled.append(href.split("#")[0])
    return labelled[0] if labelled else None


def _same_article(href: str, stem: str) -> bool:
    """Whether `href` stays under the article's own path (``story`` -> ``story/2``,
    ``story-2.html``, ``story.html?page=2``)."""
    path = urlsplit(href).path.rstrip("/")
    if not stem or not path.startswith(stem):
        return False
    return len(path) == len(stem) or path[len(stem)] in "_-/."


def remove_pagination(root: HtmlElement) -> None:
    """Drop the pagination bars (1 2 3 下一页) from a body: they are navigation, not text."""
    for el in list(root.iter("div", "p", "span", "nav", "ul", "center", "td", "table")):
        if el.getparent() is None or not el.xpath(".//a"):
            continue
        text = clean_text(el.text_content())
        if text and len(text) < 200 and _PAGINATION_BAR.match(text) and re.search(r"\d", text):
            el.drop_tree()


def join_pages(bodies: list[str]) -> str:
    """One Markdown body from the bodies of an article's pages, in order; a paragraph a page
    break cut in two (no sentence-final punctuation before the break) is put back together."""
    paragraphs: list[str] = []
    for body in bodies:
        parts = [p for p in body.split("\n\n") if p.strip()]
        if not parts:
            continue
        if paragraphs and _continues(paragraphs[-1], parts[0]):
            paragraphs[-1] = _glue(paragraphs[-1], parts.pop(0))
        paragraphs.extend(parts)
    return "\n\n".join(paragraphs)


def _continues(before: str, after: str) -> bool:
    if before.lstrip().startswith(("#", "|", ">", "- ", "* ")) or after.lstrip().startswith(
        ("#", "|", ">", "- ", "* ")
    ):
        return False
    return bool(_OPEN_END.search(before.rstrip()))


def _glue(before: str, after: str) -> str:
    before, after = before.rstrip(), after.lstrip()
    if _CJK.match(before[-1]) or _CJK.match(after[0]):
        return before + after
    return before + " " + after
