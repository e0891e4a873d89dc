"""What is archived, as the workers see it: ``P:archived`` and ``P:recent`` in Redis.

The ingester (the only writer) publishes every article it saves (and every 304 it records):
``P:archived`` maps ``source:id`` to the fields the incremental check needs (url, published,
fetched, checked, etag, last_modified); ``P:recent`` lists ``source:id`` by publish time for
the last `RECENT_DAYS` days (what revisits look at). When it starts, it rebuilds both from the
catalog (`rebuild`), so they mirror the archive exactly whatever happened before.

`ArchivedIndex.find` and `.recent` answer like `Catalog.find` and `.recent`, so the incremental
middleware and the revisit scheduler (crawler/downloader/incremental.py) work the same on a machine
without the archive (``INCREMENTAL_STORE = "redis"``, set in worker mode).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from crawler.distributed import Keys

#: articles published this many days back are listed in P:recent (revisit windows beyond it
#: are not seen by workers)
RECENT_DAYS = 31
FIELDS = ("url", "published", "fetched", "checked", "etag", "last_modified")
_BATCH = 1000


def _timestamp(value: str) -> float:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


class ArchivedIndex:
    def __init__(self, server, keys: Keys):
        self.server = server
        self.keys = keys

    @classmethod
    def from_settings(cls, settings) -> ArchivedIndex:
        from crawler.distributed.connection import server_from_settings

        return cls(server_from_settings(settings), Keys(settings.get("REDIS_KEY_PREFIX")))

    # -- reading: as crawler.store.catalog.Catalog ------------------------------------------
    def find(self, source: str, article_id: str) -> dict | None:
        raw = self.server.hget(self.keys.archived, f"{source}:{article_id}")
        return self._row(source, article_id, raw)

    def recent(self, source: str, since: str) -> Iterator[dict]:
        """Articles of `source` published at or after `since` (ISO), newest first."""
        members = self.server.zrangebyscore(self.keys.recent, _timestamp(since), "+inf")
        prefix = f"{source}:".encode()
        keys = [m for m in members if m.startswith(prefix)]
        rows = []
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            for key, raw in zip(batch, self.server.hmget(self.keys.archived, batch), strict=True):
                row = self._row(source, key.decode()[len(prefix) :], raw)
                if row is not None:
                    rows.append(row)
        yield from sorted(rows, key=lambda r: _timestamp(r["published"]), reverse=True)

    @staticmethod
    def _row(source: str, article_id: str, raw: bytes | None) -> dict | None:
        if raw is None:
            return None
        return {"source": source, "id": article_id, **json.loads(raw)}

    def close(self) -> None:
        self.server.close()

    # -- writing: the ingester ------------------------------------------------------------
    @staticmethod
    def _value(row: dict) -> str:
        return json.dumps({k: row.get(k) for k in FIELDS}, ensure_ascii=False)

    def _recent_since(self) -> float:
        return (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).timestamp()

    def publish(self, row: dict) -> None:
        """One catalog row, as saved."""
        key = f"{row['source']}:{row['id']}"
        pipe = self.server.pipeline()
        pipe.hset(self.keys.archived, key, self._value(row))
        score = _timestamp(row["published"])
        if score >= self._recent_since():
            pipe.zadd(self.keys.recent, {key: score})
        pipe.execute()

    def rebuild(self, rows: Iterable[dict]) -> int:
        """Replace both keys with `rows` (the whole catalog) at once; returns how many."""
        tmp_archived, tmp_recent = f"{self.keys.archived}:rebuild", f"{self.keys.recent}:rebuild"
        self.server.delete(tmp_archived, tmp_recent)
        since = self._recent_since()
        count = 0
        pipe = self.server.pipeline(transaction=False)
        for row in rows:
            key = f"{row['source']}:{row['id']}"
            pipe.hset(tmp_archived, key, self._value(row))
            score = _timestamp(row["published"])
            if score >= since:
                pipe.zadd(tmp_recent, {key: score})
            count += 1
            if count % _BATCH == 0:
                pipe.execute()
        pipe.execute()
        swap = self.server.pipeline()  # MULTI: workers never see half of it
        swap.delete(self.keys.archived, self.keys.recent)
        if count:
            swap.rename(tmp_archived, self.keys.archived)
        if self.server.exists(tmp_recent):
            swap.rename(tmp_recent, self.keys.recent)
        swap.execute()
        return count

    def trim(self) -> None:
        self.server.zremrangebyscore(self.keys.recent, "-inf", f"({self._recent_since()}")
