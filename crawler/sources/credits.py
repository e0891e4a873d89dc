"""Production credits at the end of a story (新华网 features and the like):

    策划：吕岩松  监制：包永辉
    统筹：王敏、曹韵
    记者：张三、李四 / 视觉｜王五
    新华社国内部出品

They name who made the piece, they are not its text: an outlet whose stories end with them
sets ``Source.take_credits = trailing_credits``, and the extractor moves them out of the body
into the article's ``credits`` (front matter ``credits``), one ``role：names`` item each.
"""

from __future__ import annotations

import copy
import re

from lxml.html import HtmlElement

#: the roles credits name, and what a label may put before one (新华社记者, 视频编辑, 执行统筹)
ROLES = (
    "总策划|策划|总监制|监制|统筹|出品人|制片人|主编|编审|审核|审校|校对|记者|通讯员|文字|"
    "撰文|撰稿|采写|执笔|摄影|摄像|拍摄|视频|剪辑|后期|编辑|责编|视觉|设计|海报|美编|制作|"
    "动画|配音|主播|出镜|翻译|编导|导演|技术|开发|数据|插画|绘图|创意|文案|鸣谢|协调|参与"
)
PREFIXES = "新华社|新华网|执行|文字|图片|视频|摄影|海报|实习|见习|特约|特别|融媒"
_LABEL = re.compile(rf"(?:{PREFIXES})?(?:{ROLES})\s*[：:｜|丨/／]\s*")
#: what may stand between two labels: names, not a sentence
_NAMES = re.compile(r"[^。！？；;!?“”\"]{1,40}")
#: ``新华社国内部出品``, ``新华网联合出品``, ``新华社音视频部制作``
_MADE_BY = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]{2,24}(?:联合)?(?:出品|制作)")
_BLOCKS = ("p", "div", "section", "li", "h2", "h3", "h4", "h5", "h6", "blockquote")


def credit_items(line: str) -> list[str] | None:
    """The credits of one line (``策划：张三 监制：李四`` -> two items), or None when the line is
    anything else."""
    line = " ".join(line.split())
    if _MADE_BY.fullmatch(line):
        return [line]
    labels = list(_LABEL.finditer(line))
    if not labels or labels[0].start() != 0:
        return None
    items = []
    for label, after in zip(labels, labels[1:] + [None], strict=True):
        names = line[label.end() : after.start() if after else len(line)].strip()
        if not _NAMES.fullmatch(names):
            return None
        role = label.group(0).rstrip("：:｜|丨/／ ")
        items.append(f"{role}：{names}")
    return items


def _lines(block: HtmlElement) -> list[str]:
    """The block's lines of text, split at its ``<br>``s."""
    mark = copy.deepcopy(block)
    for br in mark.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return [line for line in mark.text_content().splitlines() if line.strip()]


def trailing_credits(body: HtmlElement) -> list[str]:
    """Take the run of credit blocks that ends the body out of it; their items, in order."""
    leaves = [
        el
        for el in body.iter(*_BLOCKS)
        if el is not body
        and not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el.iterdescendants())
    ]
    taken: list[tuple[HtmlElement, list[str]]] = []
    for block in reversed(leaves):
        lines = _lines(block)
        if not lines:  # a picture, an empty spacer
            continue
        items = [credit_items(line) for line in lines]
        if any(i is None for i in items):
            break
        taken.append((block, [item for found in items for item in found or []]))
    for block, _ in taken:
        if block.getparent() is not None:
            block.drop_tree()
    return [item for _, found in reversed(taken) for item in found]
