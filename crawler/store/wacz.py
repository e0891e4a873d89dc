"""Package recorded WARC files as a WACZ (Web Archive Collection Zipped, format 1.1.1).

The result opens in Webrecorder's ReplayWeb.page and in pywb, showing the pages as they were
fetched. Layout of the zip::

    archive/<name>.warc.gz      the WARC records, copied byte for byte (stored, not deflated)
    indexes/index.cdxj          one line per response record, sorted by SURT key and time
    pages/pages.jsonl           one line per archived article capture (url, ts, title)
    datapackage.json            every file above with its size and sha256
    datapackage-digest.json     the sha256 of datapackage.json

Records are copied as they are (each gzip member whole), so record ids, digests and headers stay
those of the crawl; a WARC file keeps its name (less the ``.open`` suffix of a file a killed crawl
was writing). With a selection of articles (`build_wacz`'s `selected`), only their response
records, the request records paired with them and each file's ``warcinfo`` are copied.

No Scrapy here: warcio and zipfile only.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlencode, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from crawler.sources import source_for_url
from crawler.sources.generic import generic_source
from crawler.sources.urls import clean_url

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
INDEX_PATH = "indexes/index.cdxj"
PAGES_PATH = "pages/pages.jsonl"
#: record types that ReplayWeb.page and pywb look up (requests stay in the WARC, unindexed)
INDEXED_TYPES = ("response", "revisit", "resource")
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class Page:
    """An archived article, as the pages list names it."""

    url: str
    title: str


@dataclass(frozen=True)
class RecordInfo:
    """Where a record lies in its WARC file and what an index line needs of it."""

    offset: int
    length: int
    rec_type: str
    record_id: str
    uri: str
    date: str
    concurrent_to: tuple[str, ...] = ()
    status: str = ""
    mime: str = ""
    digest: str = ""
    #: bytes from `offset` to the next record (`length` and, uncompressed, the blank lines)
    span: int = 0

    @property
    def end(self) -> int:
        return self.offset + (self.span or self.length)


@dataclass
class WaczResult:
    """What went into a WACZ."""

    files: list[str] = field(default_factory=list)
    records: int = 0
    pages: int = 0
    broken: list[str] = field(default_factory=list)  # WARC files cut short by a broken record


def surt(url: str) -> str:
    """The SURT key of `url` as ReplayWeb.page computes it: lower case, no ``www.``, host parts
    reversed, a non-default port kept, then ``)`` path and sorted query."""
    url = url.strip()
    if not url.lower().startswith(("http:", "https:")):
        return url.lower()
    url = re.sub(r"^(https?://)www\d*\.", r"\1", url, flags=re.IGNORECASE)
    parts = urlsplit(url.lower())
    key = ",".join(reversed((parts.hostname or "").split(".")))
    default = {"http": 80, "https": 443}.get(parts.scheme)
    with contextlib.suppress(ValueError):
        if parts.port and parts.port != default:
            key += f":{parts.port}"
    key += ")" + (parts.path or "/")
    if parts.query:
        key += "?" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return key


def article_key(url: str) -> str:
    """The canonical URL an article capture is archived under (the catalog's ``url``)."""
    source = source_for_url(url) or generic_source(url)  # as the crawl's extraction does
    return source.canonical_url(url) or clean_url(url)


def scan_warc(path: Path) -> tuple[list[RecordInfo], bool]:
    """Every record of one WARC file; the flag is False when a broken record cut it short."""
    found: list[RecordInfo] = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        try:
            for record in records:
                headers = record.rec_headers
                status = mime = ""
                if record.http_headers is not None and record.rec_type != "request":
                    status = record.http_headers.get_statuscode() or ""
                    content_type = record.http_headers.get_header("Content-Type") or ""
                    mime = content_type.split(";")[0].strip().lower()
                elif record.rec_type == "resource":
                    mime = (headers.get_header("Content-Type") or "").split(";")[0].strip()
                records.read_to_end(record)
                if getattr(record.raw_stream, "limit", 0) > 0:  # shorter than its Content-Length
                    raise EOFError("the file ends inside a record")
                digest = headers.get_header("WARC-Payload-Digest") or ""
                found.append(
                    RecordInfo(
                        offset=records.get_record_offset(),
                        length=records.get_record_length(),
                        rec_type=record.rec_type,
                        record_id=headers.get_header("WARC-Record-ID") or "",
                        uri=(headers.get_header("WARC-Target-URI") or "").strip("<> "),
                        date=headers.get_header("WARC-Date") or "",
                        concurrent_to=tuple(
                            v for k, v in headers.headers if k.lower() == "warc-concurrent-to"
                        ),
                        status=status,
                        mime=mime,
                        digest=digest,
                    )
                )
        except Exception as exc:  # a torn last record of a killed crawl's .open file
            logger.warning("%s: stopped at a broken record (%s)", path, type(exc).__name__)
            logger.debug("broken record in %s", path, exc_info=True)
            return _with_trailers(path, found), False
    return _with_trailers(path, found), True


def _with_trailers(path: Path, found: list[RecordInfo]) -> list[RecordInfo]:
    """In an uncompressed WARC warcio's lengths (what indexes give) leave out the blank lines
    ending each record: its span runs to the next record (the last: past its blank lines)."""
    if not found or _is_gzip(path):
        return found
    ends = [r.offset for r in found[1:]]
    last = found[-1]
    with path.open("rb") as fh:
        fh.seek(last.offset + last.length)
        trailer = fh.read(4)
    ends.append(last.offset + last.length + (4 if trailer == b"\r\n\r\n" else 0))
    return [replace(r, span=end - r.offset) for r, end in zip(found, ends, strict=True)]


def chosen_records(records: list[RecordInfo], selected: dict[str, Page] | None) -> list[RecordInfo]:
    """All of `records`, or (with a selection) the selected articles' responses, their paired
    requests and the file's warcinfo."""
    if selected is None:
        return records
    responses = {
        r.record_id
        for r in records
        if r.rec_type in INDEXED_TYPES and r.uri and article_key(r.uri) in selected
    }
    if not responses:
        return []
    return [
        r
        for r in records
        if r.record_id in responses
        or r.rec_type == "warcinfo"
        or (r.rec_type == "request" and responses.intersection(r.concurrent_to))
    ]


def index_line(record: RecordInfo, offset: int, filename: str) -> str:
    """The CDXJ line of a record copied to `offset` of `filename`."""
    fields = {"url": record.uri, "mime": record.mime or "unk"}
    if record.status:
        fields["status"] = record.status
    if record.digest:
        fields["digest"] = record.digest
    fields |= {"length": str(record.length), "offset": str(offset), "filename": filename}
    if record.rec_type != "response":
        fields["type"] = record.rec_type
    stamp = iso_date_to_timestamp(record.date) if record.date else "0" * 14
    return f"{surt(record.uri)} {stamp} {json.dumps(fields, ensure_ascii=False)}\n"


def page_line(record: RecordInfo, page: Page) -> str:
    entry = {
        "id": record.record_id.removeprefix("<").removesuffix(">").removeprefix("urn:uuid:"),
        "url": record.uri,
        "ts": record.date,
        "title": page.title,
    }
    return json.dumps(entry, ensure_ascii=False) + "\n"


class _HashingWriter:
    """A file object that hashes what goes through it."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.out.write(data)


def _member_name(warc: Path, taken: set[str]) -> str:
    name = warc.name.removesuffix(".open")
    if not name.endswith((".warc", ".warc.gz")):
        name += ".warc.gz" if _is_gzip(warc) else ".warc"
    stem, dot, ext = name.partition(".")
    candidate, n = name, 1
    while candidate in taken:
        candidate, n = f"{stem}-{n}{dot}{ext}", n + 1
    taken.add(candidate)
    return candidate


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _resource(name: str, hashed: _HashingWriter) -> dict:
    return {
        "name": Path(name).name.lower(),
        "path": name,
        "hash": "sha256:" + hashed.sha256.hexdigest(),
        "bytes": hashed.size,
    }


def _write_member(zf: zipfile.ZipFile, name: str, chunks: Iterable[bytes], compress: bool) -> dict:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zf.open(info, "w", force_zip64=True) as member:
        hashed = _HashingWriter(member)
        for chunk in chunks:
            hashed.write(chunk)
    return _resource(name, hashed)


def _copied(warc: Path, records: list[RecordInfo]) -> Iterator[bytes]:
    with warc.open("rb") as fh:
        for record in records:
            fh.seek(record.offset)
            left = record.end - record.offset
            while left > 0:
                chunk = fh.read(min(left, _COPY_CHUNK))
                if not chunk:
                    raise OSError(f"{warc} ended inside a record")
                left -= len(chunk)
                yield chunk


def build_wacz(
    out: Path,
    warcs: list[Path],
    pages: dict[str, Page],
    selected: dict[str, Page] | None = None,
    title: str = "newsarchive",
) -> WaczResult:
    """Write the WACZ `out` from `warcs`. `pages` (canonical URL -> page) names the archived
    articles whose 200 captures go into the pages list; with `selected`, only those articles'
    captures are packaged. Written to a temp file and renamed: never a half WACZ at `out`.
    ValueError when nothing is left to package."""
    result = WaczResult()
    taken: set[str] = set()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wacz", dir=out.parent)
    os.close(fd)
    with tempfile.TemporaryDirectory(prefix="wacz-") as scratch:
        try:
            resources, page_lines, sorted_runs = [], [], []
            with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
                for warc in warcs:
                    records, whole = scan_warc(warc)
                    if not whole:
                        result.broken.append(str(warc))
                    records = chosen_records(records, selected)
                    if not any(r.rec_type in INDEXED_TYPES for r in records):
                        continue
                    name = _member_name(warc, taken)
                    resources.append(
                        _write_member(zf, f"archive/{name}", _copied(warc, records), False)
                    )
                    result.files.append(name)
                    result.records += len(records)
                    lines, offset = [], 0
                    for record in records:
                        if record.rec_type in INDEXED_TYPES and record.uri:
                            lines.append(index_line(record, offset, name))
                            page = pages.get(article_key(record.uri))
                            if page and record.status == "200" and record.rec_type == "response":
                                page_lines.append((record.date, page_line(record, page)))
                        offset += record.end - record.offset
                    run = Path(scratch, f"{len(sorted_runs)}.cdxj")
                    run.write_text("".join(sorted(lines)), encoding="utf-8")
                    sorted_runs.append(run)
                if not result.files:
                    raise ValueError("no capture to package: no WARC record matches")
                resources.append(_write_member(zf, INDEX_PATH, _merged(sorted_runs), True))
                header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
                page_lines.sort()
                result.pages = len(page_lines)
                body = [json.dumps(header) + "\n"] + [line for _, line in page_lines]
                resources.append(
                    _write_member(zf, PAGES_PATH, (s.encode("utf-8") for s in body), True)
                )
                package = json.dumps(_datapackage(resources, title), indent=2).encode("utf-8")
                zf.writestr("datapackage.json", package, zipfile.ZIP_DEFLATED)
                digest = {"path": "datapackage.json", "hash": _sha256(package)}
                zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2))
            os.replace(tmp, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return result


def _merged(runs: list[Path]) -> Iterator[bytes]:
    """The lines of the sorted `runs`, merged in order, as bytes."""
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(run.open(encoding="utf-8")) for run in runs]
        for line in heapq.merge(*files):
            yield line.encode("utf-8")


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _datapackage(resources: list[dict], title: str) -> dict:
    try:
        from importlib.metadata import version

        ours = version("newsarchive")
    except Exception:
        ours = "dev"
    return {
        "profile": "data-package",
        "resources": resources,
        "title": title,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wacz_version": WACZ_VERSION,
        "software": f"newsarchive {ours}",
    }
