"""Who a Chinese news page credits, and as what: one parser for every outlet.

A page names several kinds of people and organisations around a story, each behind its label:

    来源：新华社   稿源：中新网              -> agency   (where the story comes from)
    作者：张三  记者 李四  通讯员王五       -> bylines  (who wrote or reported it)
    编译：赵六  文/钱七                      -> bylines
    责任编辑：孙八  （责编：周九）  编辑：吴十 -> editors
    摄影：郑一                               -> credits  (``摄影：郑一``)

Labels come with ``：``, ``:``, ``/``, ``|`` or a space, inside ``【】`` or ``（）``, and with a
newsroom before them (``本报记者``, ``新华社记者``, ``澎湃新闻见习记者``). `parse_roles` reads one
line of such text; text that holds no label gives empty `Roles` (the caller keeps its own
reading of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: label -> the key its names go to
ROLE_KEYS = {
    "来源": "agency",
    "稿源": "agency",
    "作者": "bylines",
    "记者": "bylines",
    "通讯员": "bylines",
    "实习生": "bylines",
    "撰文": "bylines",
    "撰稿": "bylines",
    "执笔": "bylines",
    "编译": "bylines",
    "文": "bylines",
    "责任编辑": "editors",
    "责编": "editors",
    "编辑": "editors",
    "摄影": "credits",
}
#: labels that may run straight into a name (``本报记者张三``); 文 needs a real separator (文森
#: is a name), the others at least a space
_BARE_LABELS = ("记者", "通讯员", "实习生")
_SPACED_LABELS = "|".join(
    sorted((k for k in ROLE_KEYS if k not in (*_BARE_LABELS, "文")), key=len, reverse=True)
)
_SEPARATOR = r"\s*[:：/／|｜]"
#: a newsroom or rank before a label: ``本报``, ``新华社``, ``澎湃新闻见习`` (no space, no colon)
_PREFIX = r"[^\s\d:：/／|｜【】\[\]（）()]{0,12}?"
#: brackets a credit may stand in: ``【责任编辑：张三】``, ``（责编：李四）``, ``(记者 王五)``
_OPENING = "【\\[（("
_BRACKETS = "【】[]（）() "
_LABEL = re.compile(
    rf"(?<![^\s\d:：/／|｜{_OPENING}])(?P<prefix>{_PREFIX})(?:"
    rf"(?P<spaced>{_SPACED_LABELS})(?:{_SEPARATOR}|\s+)"
    rf"|(?P<bare>{'|'.join(_BARE_LABELS)}){_SEPARATOR}?"
    rf"|(?P<wen>文){_SEPARATOR})\s*"
)
_NAME_SPLIT = re.compile(r"[\s、，,/／;；&＆]+|\s+和\s+|\band\b")
#: what no name is: a date, a time, punctuation
_NOT_NAME = re.compile(r"^[\d\s:：.\-年月日时分/]*$")
#: what may follow a name on its line and is no name (``原创``, ``发布时间``)
_TRAILERS = re.compile(r"(?:发布时间|发表时间|更新时间|时间|日期)[:：].*$")


@dataclass
class Roles:
    bylines: list[str] = field(default_factory=list)
    agency: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    #: ``摄影：郑一``: production credits, one ``role：names`` item each
    credits: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bylines or self.agency or self.editors or self.credits)

    def merge(self, other: Roles) -> Roles:
        return Roles(
            *(
                list(dict.fromkeys(getattr(self, k) + getattr(other, k)))
                for k in ("bylines", "agency", "editors", "credits")
            )
        )


def parse_roles(text: str) -> Roles:
    """The roles one line of credits names (``来源：新华社 作者：张三 责任编辑：李四``)."""
    line = " ".join((text or "").split())
    roles = Roles()
    labels = list(_LABEL.finditer(line))
    if not labels:
        return roles
    for label, after in zip(labels, labels[1:] + [None], strict=True):
        role = label.group("spaced") or label.group("bare") or label.group("wen")
        value = line[label.end() : after.start() if after else len(line)]
        value = _TRAILERS.sub("", value).strip(_BRACKETS)
        if not value:
            continue
        key = ROLE_KEYS[role]
        if key == "agency" and label.group("prefix") not in _AGENCY_PREFIXES:
            continue  # 图片来源：视觉中国 credits a picture, not the story
        if key == "agency":
            roles.agency.append(agency_name(value))
        elif key == "credits":
            roles.credits.append(f"{role}：{' '.join(names_in(value))}")
        else:
            getattr(roles, key).extend(names_in(value))
    return Roles(*(list(dict.fromkeys(v for v in getattr(roles, k) if v)) for k in _KEYS))


_KEYS = ("bylines", "agency", "editors", "credits")
#: what may stand before 来源 when it names the story's source
_AGENCY_PREFIXES = ("", "新闻", "稿件", "文章", "本文", "消息", "信息")


#: how the name of a newsroom ends (新华社, 中国青年报, 环球网, 央视新闻客户端): an agency, not a writer
_ORGANISATION = re.compile(
    r"^[\u4e00-\u9fffA-Za-z·]{1,14}(?:通讯社|社|日报|晚报|早报|时报|报|网|电视台|广播电台|台|"
    r"新闻|客户端|杂志|周刊|频道|传媒|媒体)$"
)


def looks_like_organisation(name: str) -> bool:
    """Whether a name given without a label is a newsroom's (``新华社``, ``中国青年报``)."""
    return bool(_ORGANISATION.match(name)) and len(name) >= 3


#: a dateline naming the agency the story comes from: ``新华社北京11月17日电``,
#: ``中新网3月1日电``, ``（中央社記者邱俊欽桃園19日電）``
_DATELINE = re.compile(
    r"^\s*[（(]?(?P<agency>新华社|新華社|中新社|中新网|中新網|中央社|人民日报|央视新闻|法新社|路透社|美联社)"
    r"[^。，,！？]{0,24}?\d{1,2}\s*日\s*(?:综合外电|綜合外電|专|專)?[电電]"
)


def dateline_agency(text: str) -> str | None:
    """The agency the dateline at the start of `text` names, if any."""
    m = _DATELINE.match(text)
    return m.group("agency") if m else None


def names_in(value: str) -> list[str]:
    """The names of one role's value: ``张三、李四``, ``张三 李四``, ``张三/李四``."""
    names = (n.strip(_BRACKETS) for n in _NAME_SPLIT.split(value))
    return [n for n in names if n and not _NOT_NAME.match(n)]


def agency_name(value: str) -> str:
    """The agency a 来源 names: its first word, without a channel after a dash
    (``新华社 2023-11-17`` -> ``新华社``, ``人民网-文化频道`` -> ``人民网``)."""
    first = value.strip(_BRACKETS).split()[0] if value.strip(_BRACKETS) else ""
    return re.split(r"[-－—|｜_]", first)[0].strip("：:，,。 ")


#: a writer's role and the newsroom or rank before it, where a page lists writers with their
#: roles: ``中国日报记者 王五 通讯员 赵六``, ``澎湃新闻见习记者 张三 实习生 李四``, ``作者：王五``
_WRITER_ROLE = re.compile(r"[^\s、，,/／]*?(?:记者|通讯员|实习生|特约撰稿人|作者)\s*[:：]?")


def writer_names(text: str) -> list[str]:
    """The names in a line of writers given with their roles, the roles left out
    (``本报记者 张三 本报通讯员 李四`` -> 张三, 李四; ``石佳/中国青年报`` -> 石佳, 中国青年报)."""
    return names_in(_WRITER_ROLE.sub(" ", text))
