"""One spider per registered outlet: ``scrapy crawl zaobao`` = SourceSpider bound to zaobao.

Scrapy's spider loader finds the classes made here; adding an outlet module under
crawler/sources/ is enough for ``scrapy list`` to show it.
"""

from __future__ import annotations

from crawler.sources import SOURCES
from crawler.spiders.news import SourceSpider


def _spider_class(name: str) -> type[SourceSpider]:
    cls_name = "".join(part.title() for part in name.split("_")) + "Spider"
    return type(
        cls_name,
        (SourceSpider,),
        {
            "name": name,
            "source": SOURCES[name],
            "__module__": __name__,
            "__doc__": SOURCES[name].display_name,
        },
    )


globals().update({cls.__name__: cls for cls in map(_spider_class, SOURCES)})
