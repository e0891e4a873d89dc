"""Whole-page reads of table-laid pages (issue 13): the article's box, not the whole layout.

Pages written here, shaped like the classes met on the evaluation corpus: a blog's archive page
listing several posts (the page's article is the first), a forum thread with its reply list, an
old portal's article in one cell of a layout table. And the pages the rule must leave whole:
an article in paragraph boxes, an article with a data table beside its text.
"""

from __future__ import annotations

import pytest

from crawler.extract import extract_article
from crawler.extract.body import plain_text

MENU = "".join(f'<a href="/c{i}">栏目{i}</a> | ' for i in range(12))
SIDEBAR = "".join(f'<li><a href="/a{i}">推荐文章标题第{i}篇</a></li>' for i in range(10))


def _post(title: str, date: str, body: str) -> str:
    return f"""
<table class="post"><tr><td class="post-title">{title}</td><td>{date}</td></tr></table>
<table class="post"><tr><td class="post-body">{body}</td></tr></table>
<table class="post"><tr><td class="post-foot">由作者张贴 @ {date} <a href="/c">共 3 篇评论</a>
 <a href="/r">发表评论</a></td></tr></table>"""


FIRST = "今天我们去海边散步，风很大，浪也很高，沙滩上有很多贝壳。" * 4
OLDER = [
    "上周读完了一本关于旧城改造的小说，书里写了很多老街的故事和人物。" * 6,
    "这个月开始学做菜，先从最简单的番茄炒蛋学起，失败了好几次。" * 12,
    "冬天的早晨很冷，可是窗外的阳光让人心情很好，于是出门走了走。" * 3,
]

BLOG_ARCHIVE = f"""<html><head><title>某某的博客</title></head><body>
<table><tr><td>{MENU}</td></tr>
<tr><td class="side"><ul>{SIDEBAR}</ul>个人信息：某某，27岁</td>
<td class="main">{_post("海边", "2005-03-21 01:20:44", FIRST)}
{"".join(_post(f"旧文{i}", f"2005-03-1{i} 10:00:00", t) for i, t in enumerate(OLDER))}
</td></tr><tr><td>Copyright © 2005 某某网 版权所有</td></tr></table></body></html>"""

QUESTION = "导游为什么总带游客去商店购物？因为购物的回扣是他们收入的一大部分，进店还有人头费。" * 3
REPLIES = "".join(
    f'<li><a href="/t{i}">回复：我也遇到过这种事情第{i}次</a>【网友{i}】08-1{i % 9} 16:0{i % 9}'
    f" {100 + i}字 [{40 + i}/{i}]</li>"
    for i in range(30)
)
FORUM_THREAD = f"""<html><head><title>论坛 :: 网闻贴吧</title></head><body>
<table><tr><td>{MENU}</td></tr><tr><td>
<table><tr><td class="subject">主题：导游为什么热衷于购物</td></tr>
<tr><td class="author">作者：某网友 时间：2005-08-22 19:13:18</td></tr>
<tr><td class="text">{QUESTION}</td></tr></table>
<table><tr><td>回复线索：<ul>{REPLIES}</ul></td></tr></table>
</td></tr></table></body></html>"""

STORY = "据报道，该市今年的夏粮收购工作已经全面展开，各收购点秩序井然，农民售粮积极性很高。" * 6
RELATED = "".join(
    f'·<a href="/n{i}">某地某事相关报道之第{i}篇新闻标题</a>（2005-04-0{i} 17:19PM） '
    for i in range(6)
)
BLURBS = "".join(
    f'<div class="blurb"><a href="/b{i}">专栏{i}</a> 本栏目第{i}期的导读文字，介绍本期的主要内容和作者。</div>'
    for i in range(8)
)
PICKS = "".join(f'·<a href="/p{i}">[幻灯]本周推荐的图片新闻第{i}组</a>(新闻) ' for i in range(8))
PORTAL = f"""<html><head><title>夏粮收购全面展开--某某新闻</title></head><body><center>
<table><tr><td>{MENU}</td></tr></table>
<table><tr><td>新闻标题 2005-04-05 06:40更新 来源：转载文章<br>{STORY}<br>来源：晨报 编辑：某某
<table><tr><td><b>相关报道：</b></td></tr><tr><td>{RELATED}</td></tr></table>
<table><tr><td>本周推荐：</td></tr><tr><td>{PICKS}</td></tr></table></td>
<td class="side"><ul>{SIDEBAR}</ul>{BLURBS}</td></tr>
<tr><td class="law">本网所有内容均由内容合作方根据协议提供，本网对其内容不作任何保证。</td></tr>
<tr><td class="law">本网在网上传输的所有内容均由内容合作方提供，该等合作方负责其所发布的内容。</td></tr>
</table></center></body></html>"""


@pytest.mark.parametrize(
    ("page", "kept", "dropped"),
    [
        pytest.param(
            BLOG_ARCHIVE, FIRST, [OLDER[0][:20], OLDER[1][:20], "栏目3"], id="blog-archive"
        ),
        pytest.param(FORUM_THREAD, QUESTION, ["我也遇到过这种事情", "网友7"], id="forum-replies"),
        pytest.param(
            PORTAL,
            STORY,
            ["推荐文章标题", "栏目3", "本网所有内容", "相关报道之", "图片新闻"],
            id="layout-table",
        ),
    ],
)
def test_a_table_laid_page_gives_its_article_only(page: str, kept: str, dropped: list[str]):
    text = plain_text(extract_article(page.encode("utf-8"), "").body)
    assert kept[:40] in text.replace("\n", "")
    for junk in dropped:
        assert junk not in text


PARAGRAPHS = [
    "第一段：市政府今天召开新闻发布会，介绍了今年上半年全市经济运行的基本情况和主要特点。" * 2,
    "第二段：上半年全市地区生产总值同比增长百分之六，工业生产稳中有升，消费市场持续回暖。" * 5,
    "第三段：发布会上，有关部门负责人还回答了记者关于就业、物价和住房保障等方面的提问。" * 2,
]
IN_PARAGRAPH_BOXES = f"""<html><head><title>上半年经济运行情况</title></head><body>
<table><tr><td>{MENU}</td></tr><tr><td><div class="content">
{"".join(f'<div class="para">{p}</div>' for p in PARAGRAPHS)}</div></td>
<td><ul>{SIDEBAR}</ul></td></tr></table></body></html>"""

ROWS = "".join(
    f"<tr><td>0504{i:02d} 专业{i}</td><td>导师{i}</td><td>1、英语 2、专业基础{i}</td></tr>"
    for i in range(12)
)
WITH_DATA_TABLE = f"""<html><head><title>研究生招生专业目录</title></head><body>
<table><tr><td>{MENU}</td></tr>
<tr><td>一、培养目标：培养德智体美全面发展，在本门学科上掌握坚实宽广的基础理论和系统深入的专业知识，
具有独立从事科学研究工作能力的高级专门人才。二、学习年限：三年。三、招生专业及考试科目见下表。
考生须按规定时间报名，逾期不再受理，报名时须交验本人身份证和学历证书原件。</td></tr>
<tr><td><table>{ROWS}</table></td></tr></table></body></html>"""


@pytest.mark.parametrize(
    ("page", "kept"),
    [
        pytest.param(IN_PARAGRAPH_BOXES, [p[:20] for p in PARAGRAPHS], id="paragraph-boxes"),
        pytest.param(WITH_DATA_TABLE, ["一、培养目标", "导师3", "专业基础11"], id="data-table"),
    ],
)
def test_an_article_spread_over_boxes_is_kept_whole(page: str, kept: list[str]):
    text = plain_text(extract_article(page.encode("utf-8"), "").body)
    for part in kept:
        assert part in text
