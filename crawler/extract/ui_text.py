"""Interface text of the apps and embeds that pages carry along, removed on every outlet.

A WeChat post republished on a news site (澎湃号 pages) brings the app's buttons with it:
``继续滑动看下一个``, the account's name, ``轻触阅读原文``, ``向上滑动看下一个``,
``微信扫一扫关注该公众号``, ``在看``, ``分享``. No story has a paragraph made of nothing but
these, so an element whose whole text is a run of them is dropped, whatever the outlet; so is a
short line standing between two of them, or just before the "next post" strings that end the
body (the account's name).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract.css import innermost
from crawler.extract.metadata import clean_text
from crawler.extract.prune import drop_all

#: the well-known interface strings (no spaces, no punctuation: compared that way)
UI_STRINGS = (
    "继续滑动看下一个",
    "向上滑动看下一个",
    "轻触阅读原文",
    "阅读原文",
    "微信扫一扫关注该公众号",
    "微信扫一扫可打开此内容使用完整服务",
    "微信扫一扫使用小程序",
    "长按识别二维码关注",
    "长按二维码关注",
    "预览时标签不可点",
    "赞轻点两下取消赞",
    "在看轻点两下取消在看",
    "分享留言收藏",
    "知道了",
    "在看",
    "点赞",
    "分享",
    "收藏",
    "留言",
    "写留言",
    "视频",
    "小程序",
    "赞",
    "取消",
    "允许",
)
_UI_RUN = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, UI_STRINGS), key=len, reverse=True)) + ")+"
)
#: what is ignored when a text is compared with the interface strings
_IGNORED = re.compile(r"[\s，,。.、：:；;！!？?·|｜/／\-—_()（）\[\]【】《》<>]+")
#: the only strings that make a text interface text on their own, without a longer one beside
#: them (a paragraph reading just 分享 or 赞 may be a story's)
_DISTINCT = re.compile(
    "继续滑动看下一个|向上滑动看下一个|轻触阅读原文|微信扫一扫|轻点两下取消|预览时标签不可点|"
    "长按(?:识别)?二维码关注"
)
#: a line between two interface lines no longer than this, and no sentence: the account's name
MAX_NAME_CHARS = 24
#: the strings of WeChat's "next post" bar, which follows the account's card
_NEXT_POST = re.compile("继续滑动看下一个|向上滑动看下一个")
_BLOCKS = ("p", "div", "section", "li", "span", "a", "h1", "h2", "h3", "h4", "h5", "h6")


def is_ui_text(text: str) -> bool:
    """Whether `text` is nothing but interface strings, one of them unmistakable."""
    bare = _IGNORED.sub("", text)
    return bool(bare) and bool(_UI_RUN.fullmatch(bare)) and bool(_DISTINCT.search(bare))


def remove_ui_text(root: HtmlElement) -> None:
    """Drop, in place, the elements of `root` whose text is interface text, and a short line
    standing between two such elements (the WeChat account's name)."""
    leaves = [
        el for el in innermost(root, _BLOCKS) if el is not root and clean_text(el.text_content())
    ]
    texts = [clean_text(el.text_content()) for el in leaves]
    ui = [is_ui_text(text) for text in texts]
    doomed = [el for el, flag in zip(leaves, ui, strict=True) if flag]
    for n in range(len(leaves) - 1):
        if ui[n] or not _is_name(texts[n]):
            continue
        between = n > 0 and ui[n - 1] and ui[n + 1]
        # the account's card before the app's "next post" strings that end the body
        card = _NEXT_POST.search(_IGNORED.sub("", texts[n + 1])) and all(ui[n + 1 :])
        if between or (card and len(leaves) - n > 2):
            doomed.append(leaves[n])
    drop_all(doomed)
    # containers left holding only interface text (``<p>微信扫一扫<br>关注该公众号</p>``)
    drop_all(el for el in root.iter(*_BLOCKS) if el is not root and is_ui_text(el.text_content()))


def _is_name(text: str) -> bool:
    """Short, no sentence, no bracket or label (``（完）``, ``编辑：张三`` are the story's)."""
    return len(text) <= MAX_NAME_CHARS and not re.search(r"[。！？!?；;（）()【】\[\]:：/／]", text)
