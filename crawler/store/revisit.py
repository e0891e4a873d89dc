"""When an archived article is due for another look (it may have been corrected or updated).

An article is revisited at each window after its publication (by default 1 h, 6 h, 24 h and
72 h): it is due when a window has passed since it was published and it was last checked before
that window came. After the last window it is never fetched again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")


def parse_windows(value: str | list | tuple) -> list[timedelta]:
    """``"1h,6h,24h,72h"`` (or a list of such strings) -> sorted timedeltas."""
    items = value.split(",") if isinstance(value, str) else list(value)
    windows = []
    for item in (str(i).strip().lower() for i in items):
        if not item:
            continue
        m = _DURATION.fullmatch(item)
        if not m:
            raise ValueError(f"bad revisit window {item!r}: use a number and s, m, h or d")
        windows.append(timedelta(**{_UNITS[m.group(2)]: float(m.group(1))}))
    return sorted(windows)


def is_due(published: datetime, checked: datetime, now: datetime, windows: list[timedelta]) -> bool:
    """Whether a window has passed since `published` that the last check (`checked`) predates."""
    return any(published + w <= now and checked < published + w for w in windows)
