"""Is a response text or binary? Told from its bytes the way browsers do (WHATWG MIME Sniffing):
by the magic numbers of binary formats, and by the share of "binary data bytes" (control bytes
no text contains) -- never by a single stray NUL, which a good page may carry.
"""

from __future__ import annotations

import re

#: (what, magic bytes at offset 0) of the formats a news URL may serve instead of a page
MAGIC_NUMBERS = (
    ("pdf", b"%PDF-"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("jpeg", b"\xff\xd8\xff"),
    ("gif", b"GIF87a"),
    ("gif", b"GIF89a"),
    ("zip", b"PK\x03\x04"),
    ("zip", b"PK\x05\x06"),
    ("gzip", b"\x1f\x8b\x08"),
    ("bzip2", b"BZh91AY&SY"),
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("7z", b"7z\xbc\xaf\x27\x1c"),
    ("rar", b"Rar!\x1a\x07"),
    ("ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),  # .doc, .xls, .ppt
    ("webm", b"\x1a\x45\xdf\xa3"),
    ("ogg", b"OggS\x00"),
    ("mp3", b"ID3"),
    ("flac", b"fLaC"),
    ("woff", b"wOFF"),
    ("woff2", b"wOF2"),
    ("elf", b"\x7fELF"),
    ("ico", b"\x00\x00\x01\x00"),
    ("bmp", b"BM"),  # checked with its header size below
)
#: RIFF containers: WebP, WAVE, AVI (format at offset 8)
_RIFF = re.compile(rb"RIFF....(WEBP|WAVE|AVI )", re.S)
#: ISO base media (MP4, MOV, HEIC, AVIF): a box size, then ``ftyp`` at offset 4
_FTYP = re.compile(rb"....ftyp", re.S)
#: the major brands of an AVIF image (still, sequence) among those
_AVIF_BRANDS = (b"avif", b"avis")
#: WHATWG's binary data bytes: C0 controls but TAB, LF, FF, CR and ESC
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
#: how much of the response is looked at
SNIFF_BYTES = 4096
#: text has (almost) no binary data bytes; binary formats have many more than this share
MAX_BINARY_SHARE = 0.05


def binary_kind(body: bytes) -> str | None:
    """What binary format `body` is (``pdf``, ``png``, ... or ``binary`` for unrecognised
    binary data), or None when it reads as text. Text in UTF-16/32 (a byte-order mark) is text."""
    head = body[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return None
    for kind, magic in MAGIC_NUMBERS:
        if head.startswith(magic) and (kind != "bmp" or _is_bmp(head)):
            return kind
    if _FTYP.match(head):
        return "avif" if head[8:12] in _AVIF_BRANDS else "mp4"
    m = _RIFF.match(head)
    if m:
        return m.group(1).decode().strip().lower()
    if not head:
        return None
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    return "binary" if controls > MAX_BINARY_SHARE * len(head) else None


def _is_bmp(head: bytes) -> bool:
    """``BM`` starts text too ("BMW ..."): a BMP also has its DIB header size at offset 14."""
    return len(head) >= 18 and head[14:18] in (
        b"\x0c\x00\x00\x00",
        b"\x28\x00\x00\x00",
        b"\x7c\x00\x00\x00",
    )
