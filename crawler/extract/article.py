"""The result of extraction: one clean article, independent of Scrapy and of storage."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from crawler.extract.text import normalise_block, normalise_field

#: fields holding text, and lists of texts: normalised whenever they are set
_LINE_FIELDS = frozenset(
    {"source", "id", "url", "title", "publication", "section", "image", "image_caption"}
    | {"description", "lang", "script", "completeness_reason", "date_source", "etag"}
    | {"last_modified", "agency", "original_title", "image_local"}
)
_LIST_FIELDS = frozenset({"bylines", "editors", "credits", "keywords", "warnings"})
#: fields holding a list of records of texts (``images``: url, caption, local)
_RECORD_LIST_FIELDS = frozenset({"images"})


class NotAnArticle(Exception):  # noqa: N818 - an outcome, not an error
    """The page holds no article; `reason` is a short stable key for logs and stats."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # crosses process boundaries (the extraction pool) intact
        return (type(self), (self.reason, self.detail))


@dataclass
class Article:
    source: str
    id: str
    url: str
    title: str
    published: datetime
    body: str
    publication: str
    bylines: list[str] = field(default_factory=list)
    #: the agency or publication the story comes from (来源/稿源: 新华社, 中新网, 人民日报);
    #: None when the page names none
    agency: str | None = None
    #: the editors the page names (责任编辑/责编/编辑): they edited the page, they did not write it
    editors: list[str] = field(default_factory=list)
    #: the story's title where it first appeared (``原标题：《…》`` on a republished post)
    original_title: str | None = None
    #: production credits printed at the end of the story, one ``role：names`` item each
    #: (``策划：张三``, ``新华社国内部出品``): who made the piece, kept out of the body
    credits: list[str] = field(default_factory=list)
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    image: str | None = None
    image_caption: str | None = None
    #: where the lead image was archived (``/assets/<sha1>.<ext>``, crawler/pipelines/images.py); None
    #: when it was not downloaded (the post then links `image` where it was found)
    image_local: str | None = None
    #: the pictures in the body, in page order: ``{"url", "caption"?}``, plus ``"local"`` once
    #: downloaded (crawler/pipelines/images.py)
    images: list[dict[str, str]] = field(default_factory=list)
    description: str | None = None
    lang: str | None = None
    #: the Chinese script of the text: "zh-Hans" (simplified), "zh-Hant" (traditional), or None
    #: (not Chinese, or too little text to tell)
    script: str | None = None
    #: False when the page holds only part of the article (paywall, teaser, missing pages)
    complete: bool = True
    #: why the article is incomplete (a short stable key: "paywall", "teaser-marker",
    #: "short-body", ...); None when complete
    completeness_reason: str | None = None
    #: how many pages the article was joined from (multi-page articles)
    pages: int = 1
    #: where `published` came from: on the page (jsonld, meta, page, time) or not stated there
    #: (url, htmldate; header = the HTTP Last-Modified/Date, fetched = the fetch time)
    date_source: str = "jsonld"
    #: fetch metadata, set by whoever fetched the page (None for a saved file): when, and the
    #: validators the server sent for conditional revisits
    fetched: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: [WARC file name, WARC-Record-ID] of the recorded response, when the crawl records WARCs
    warc_record: list[str] | None = None
    #: True when the outlet's body selectors matched nothing and the body was read from the
    #: whole page (a known outlet: its layout may have changed; see the run report's drift rules)
    body_fallback: bool = False
    #: things worth a log line that did not stop extraction
    warnings: list[str] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        """Every text field is normalised when set, by the constructor or later: no lone
        surrogates, no control characters but newline and tab (crawler/extract/text.py), so
        the text hash, the post and the catalog can always encode it. Optional fields left
        blank by normalisation become None; list fields lose their blank entries."""
        if name == "body" and isinstance(value, str):
            value = normalise_block(value)
        elif name in _LINE_FIELDS and isinstance(value, str):
            value = normalise_field(value)
            if not value.strip() and name not in ("source", "id", "url", "title", "publication"):
                value = None
        elif name in _LIST_FIELDS and isinstance(value, list | tuple):
            fields = (normalise_field(v) for v in value if isinstance(v, str))
            value = [v for v in fields if v.strip()]
        elif name in _RECORD_LIST_FIELDS and isinstance(value, list | tuple):
            value = [_record(v) for v in value if isinstance(v, dict)]
            value = [v for v in value if v.get("url")]
        super().__setattr__(name, value)

    @property
    def text_hash(self) -> str:
        """Hash of the normalised title + body: equal for the same text under two URLs."""
        text = re.sub(r"\s+", " ", f"{self.title}\n{self.body}").strip()
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat()
        data["fetched"] = self.fetched.isoformat() if self.fetched else None
        data["text_hash"] = self.text_hash
        return data


def _record(value: dict) -> dict[str, str]:
    """A record of texts (one of ``images``): its text values normalised, blank ones dropped."""
    texts = ((k, normalise_field(v)) for k, v in value.items() if isinstance(v, str))
    return {str(k): v for k, v in texts if v.strip()}
