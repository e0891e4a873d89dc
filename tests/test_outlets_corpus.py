"""The outlets (xinhuanet, people, thepaper, sina, ifeng, huanqiu, guancha, chinadaily,
bbc_zhongwen, cna) checked against their real article pages in the shared reference corpus, and
every registered outlet checked for what the spider relies on. Their real listing pages
(``listing_*.html``) are checked in test_outlets_listings.py.

The real pages live outside the repository (``../shared/corpus/pages/<outlet>/``, see its
SOURCES.tsv) and are read in place, as raw bytes; without the corpus those tests are skipped.
One test per page: the exact headline, a publish time in the outlet's own timezone, the first and
the last paragraph of the story, and none of the navigation, share bars, ads, captions and
editor lines that the page puts around and inside the story (each page's list is learned from
that page). Where SOURCES.tsv knows no URL, the page's own markup names it (a saved-from comment,
a ``contid``, an analytics URI), and the case uses that.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.body import plain_text
from crawler.sources import SOURCES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
PAGES = CORPUS / "pages"

needs_corpus = pytest.mark.skipif(
    not PAGES.is_dir(), reason=f"the shared reference corpus is absent ({PAGES})"
)

#: outlets whose real pages are checked here (zaobao's are in test_extract_corpus.py)
PAGE_OUTLETS = (
    "xinhuanet",
    "people",
    "thepaper",
    "sina",
    "ifeng",
    "huanqiu",
    "guancha",
    "chinadaily",
    "bbc_zhongwen",
    "cna",
)
#: a saved listing page (checked in test_outlets_listings.py), not an article page
LISTING_PAGE = "listing_*.htm*"
#: what no article body may hold, whatever the page
RESIDUE = ("http://", "https://", "javascript", "function(", "document.", "var ", "\ufffd")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_C1 = re.compile("[\u0080-\u009f]")
_SPACES = re.compile(r"\s+")


def case(path: str, url: str, **expected) -> pytest.param:
    return pytest.param(path, url, expected, id=Path(path).stem)


CASES = [
    case(
        "xinhuanet/news.cn_fortune_c_1129981476.html",
        "http://www.news.cn/fortune/2023-11/17/c_1129981476.htm",
        id="c_1129981476",
        canonical="https://www.news.cn/fortune/2023-11/17/c_1129981476.htm",
        title="短缺药品保供稳价 全力保障临床用药需求",
        published="2023-11-17T20:52:15+08:00",
        bylines=[],  # no writer named
        agency="新华社",  # 来源：新华网 is the site itself; the dateline: 新华社北京11月17日电
        editors=["张樵苏"],  # 【责任编辑:张樵苏】
        keywords={"短缺", "医卫", "药品信息"},
        description="记者17日从国家卫生健康委获悉",  # not the headline + "---" before it
        first="新华社北京11月17日电 记者17日从国家卫生健康委获悉",
        last="此外，多层次提升短缺药品应对处置水平。",
        contains=["推动中药材供需总体平衡。"],
        absent="纠错 责任编辑 张樵苏 分享到 字体 阅读下一篇 深度观察 数说中国",
    ),
    case(
        "xinhuanet/gne_xinhuanet_1.html",
        # SOURCES.tsv: unknown; the page's own first line says where it was saved from
        "http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm",
        id="c_1125327450",
        canonical="https://www.news.cn/world/2019-12/10/c_1125327450.htm",
        title="法国全国大罢工再次严重影响交通",
        published="2019-12-10T07:57:40+08:00",
        bylines=["唐霁"],  # 新华社巴黎12月9日电（记者唐霁）
        agency="新华社",  # 来源：新华网 (the site itself), the dateline names 新华社
        editors=[],
        keywords={"法国", "退休"},
        description="法国9日再次爆发全国跨行业大罢工",
        first="新华社巴黎12月9日电（记者唐霁）法国9日再次爆发全国跨行业大罢工",
        last="法国总统马克龙此前提出对全国退休制度进行改革",
        absent="纠错 责任编辑 尹世杰 微信 微博 Qzone 图集 关注新华网 未成年人网游防沉迷 下一篇 评论",
    ),
    case(
        "people/gne_people_1.html",
        # SOURCES.tsv: unknown; the page's analytics script names it (uri=...c1013-31153719)
        "http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html",
        # saved as UTF-8, still declaring GB2312 (the decoder's own cases: test_encodings.py)
        id="c1013-31153719",
        title="女儿出嫁，郑板桥画了几笔兰花当嫁妆",
        published="2019-06-15T08:18:00+08:00",
        bylines=[],  # the number in <meta name=author> is no name
        agency="人民网",  # 来源：人民网-文化频道
        editors=["汤诗瑶", "丁涛"],  # (责编：汤诗瑶、丁涛)
        section="文化",
        description="父亲的教诲像一盏灯",  # not the 点击进入“文艺星青年”>> promo
        first="父亲的教诲像一盏灯，为我们照亮前行的路",
        last="虽然，东方朔为人洒脱不羁",
        contains=["纸上得来终觉浅，绝知此事要躬行。"],
        absent="点击进入 文艺星青年 责编 汤诗瑶 【1】 【2】 推荐阅读 相关新闻 精彩图集 热点推荐 人民日报客户端 分享到 104363",
    ),
    case(
        "thepaper/gne_thepaper_1.html",
        # SOURCES.tsv: unknown; the page's hidden_contid is 4506347
        "https://www.thepaper.cn/newsDetail_forward_4506347",
        id="newsDetail_forward_4506347",
        canonical="https://www.thepaper.cn/newsDetail_forward_4506347",
        title="共享充电宝涨价告别1元时代：是“收割韭菜”还是回归理性",
        published="2019-09-24T09:10:00+08:00",
        bylines=["石佳"],  # ``石佳/中国青年报``: the writer and the paper
        agency="中国青年报",
        editors=["张珺"],  # 责任编辑：张珺
        section="10%公司",
        keywords={"共享充电宝"},
        first="“以前花一两元就能充满电，前几天一下子被扣了12元。”",
        last="（原题为《是“收割韭菜”还是“回归理性”》）",  # the story's own line
        contains=["刘颖对共享充电宝行业的发展比较有信心。"],
        absent="视觉中国 责任编辑 张珺 澎湃新闻报料 未经授权不得转载 关键词 相关推荐 面对美团突袭 收藏 跟踪 字号",
    ),
    case(
        "thepaper/gne_thepaper_3.html",
        "https://www.thepaper.cn/newsDetail_forward_5420361",
        id="newsDetail_forward_5420361",
        canonical="https://www.thepaper.cn/newsDetail_forward_5420361",
        title="新年伊始，习近平的重要文章谈了啥？",
        published="2020-01-03T18:13:00+08:00",
        bylines=[],
        agency="新华社",  # named where the writers are: the agency, not a person
        editors=["柴敏懿"],
        section="中南海",
        keywords={"习近平"},
        first="【编前语】2020年1月1日出版的《求是》杂志发表习近平总书记重要文章",
        last="（原题为《新年伊始，习近平的重要文章谈了啥？》）",
        contains=["习近平要求，各级党委（党组）要按照党中央部署"],
        absent="本文来自澎湃新闻 APP 责任编辑 柴敏懿 报料 关键词",
    ),
    case(
        "sina/gne_sina_5.html",
        "https://news.sina.com.cn/c/2019-10-23/doc-iicezuev4202091.shtml",
        id="doc-iicezuev4202091",
        canonical="https://news.sina.com.cn/c/2019-10-23/doc-iicezuev4202091.shtml",
        title="陈同佳刑满出狱 向潘晓颖家人鞠躬致歉",
        published="2019-10-23T09:10:42+08:00",
        bylines=[],
        agency="环球网",  # the paper Sina took the story from
        editors=["吴金明"],  # 责任编辑：吴金明
        original_title="快讯！陈同佳刑满出狱，向潘晓颖家人鞠躬致歉",
        section="国内新闻",
        keywords={"香港"},
        first="出狱了。据港媒刚刚消息",  # 原标题：... is the original_title, out of the body
        last="说完这些话后，陈同佳上车离开了现场。",
        absent="视频-陈同佳出狱 video_id 此前报道 港媒曝陈同佳出狱前首受访 点击进入专题 聚焦香港局势 责任编辑 吴金明 关键字 新浪新闻公众号 我要反馈 分享",
    ),
    case(
        "ifeng/gne_ifeng_1.html",
        "https://news.ifeng.com/c/7rtKNyg6PU9",
        id="7rtKNyg6PU9",
        canonical="https://news.ifeng.com/c/7rtKNyg6PU9",
        title="女童眼睛被塞几十片纸，“无法用科学解释”",
        published="2019-11-25T16:04:30+08:00",
        bylines=["段彦超", "廖艳"],  # the paper's writers, in bold at the top of the body
        agency="澎湃新闻网",
        section="社会",
        keywords={"小花", "禹州市"},
        first="澎湃新闻记者 段彦超 廖艳",
        last="（实习生王金茹对此文亦有贡献）",
        contains=["7岁小花（化名）“眼睛被塞纸”事件，仍有许多疑问。", "据禹州市教体局此前通报"],
        absent="人参与 评论 推荐 24小时 七省联合破获特大制毒案 allData",
    ),
    case(
        "huanqiu/gne_huanqiu_1.html",
        # SOURCES.tsv: unknown; the page's own first line says where it was saved from
        "https://3w.huanqiu.com/a/d80b1f/3yWyyCuSR4w?agt=20&tt_group_id=6834843119385575949",
        id="3yWyyCuSR4w",
        title="补壹刀：别笑！18人的“新八国联军”今天成立了",
        published="2020-06-05T20:35:00+08:00",
        bylines=["叨叨姐", "胡一刀", "李小飞刀"],
        agency="补壹刀微信公号",  # the page's script: source: '补壹刀微信公号', // 来源
        editors=["薛艺磊"],
        section="国际新闻",
        keywords={"英国", "国安法"},
        first="执笔/叨叨姐、胡一刀&李小飞刀",
        last="图片均来自网络",
        contains=["刀哥想说，都9020年了，自信一点，理性一点，可以吗。"],
        absent="责编 薛艺磊 阅读数 不感兴趣 投诉 广告软文",
    ),
    case(
        "guancha/gne_guancha.html",
        # SOURCES.tsv: unknown; the page links itself (转发请注明本文链接)
        "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
        id="2019_09_07_516891",
        canonical="https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
        title="王文：中美贸易“持久战”，中国人的斗志被激发",
        published="2019-09-07T09:25:09+08:00",
        bylines=["王文"],
        agency="观察者网",
        editors=["小婷"],
        keywords={"中美贸易", "中美竞争", "中美关系"},
        first="【文/观察者网专栏作者 王文】",
        # page 1 of 2: joining the pages is the extractor's (crawler/extract/pages.py)
        last="在深圳大疆、深圳海能达等企业，笔者同样听到了不少企业界人士的坚定信心。",
        contains=["“中美贸易战正在变成一场持久战，但我们已有准备。”"],
        absent="华坚鞋业生产车间 下一页 余下全文 分享到 字号 最后更新 标签 本文仅代表作者个人观点 "
        "请支持独立网站 责任编辑 小婷 email@gmail.com 中国人民大学重阳金融研究院执行院长",
    ),
    case(
        "chinadaily/chinadaily_WS65571297a310d5acd876f404.html",
        "https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html",
        id="WS65571297a310d5acd876f404",
        title="外国专家：中美合作共赢符合国际社会利益",
        published="2023-11-17T15:13:00+08:00",
        bylines=[],  # <meta name=author> is the editor
        agency="中国日报网",
        editors=["严玉洁", "王辉"],  # （编辑：严玉洁 王辉）
        section="海外观察",
        first="在美国旧金山举行的中美元首会晤吸引了全世界的目光。",
        last="他分析称，美国曾以国家安全为幌子威胁“脱钩”和“去风险”",
        absent="编辑 严玉洁 王辉 分享 来源 中国日报网 facebook twitter",
    ),
    *(
        case(
            f"cna/cna_news_asoc_201603190029_{capture}capture.html",
            "https://www.cna.com.tw/news/asoc/201603190029.aspx",
            id="201603190029",
            canonical="https://www.cna.com.tw/news/asoc/201603190029.aspx",
            title="平鎮輪胎行惡火 疏散7人1女命喪",  # two spaces in the <h1>: one
            published="2016-03-19T08:15:00+08:00",  # datePublished; 10:48 is the last update
            bylines=["邱俊欽"],  # （中央社記者邱俊欽桃園19日電）; itemprop author is CNA itself
            agency="中央社",
            section="社會",
            not_keywords={"News", "新聞", "即時新聞", "中央社", "平鎮輪胎行惡火 疏散7人1女命喪"},
            # past CNA's free window: the first paragraph and a notice, archived as incomplete
            complete=False,
            first="（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行今天清晨發生大火",
            last="（中央社記者邱俊欽桃園19日電）",
            absent="您所瀏覽的新聞已過查詢時效 付費會員 最新更新 首頁 消防局提供 傳真 分享 CNA",
        )
        for capture in (2018, 2019)  # the desktop and the "mobile" template of one story
    ),
    case(
        "bbc_zhongwen/bbc.co.uk_zhongwen_simp_2012_liangzhenying.html",
        "http://www.bbc.co.uk/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml",
        canonical="https://www.bbc.com"
        "/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml",
        title="港特首梁振英就住宅违建事件道歉",
        published="2012-12-10T09:24:01+00:00",
        bylines=[],
        agency=None,
        section="两岸",
        lang="zh-Hans",
        keywords={"香港", "梁振英"},
        first="香港行政长官梁振英在各方压力下就其大宅的违章建筑（僭建）问题到立法会接受质询",
        last="民主党此前计划在星期三（11日）对梁振英提出不信任动议。",
        # &#0147;/&#0148; in the markup: curly quotes, not C1 control characters
        contains=["不过泛民主派议员们普遍指责梁振英“撒谎”", "## “郑重道歉”"],
        absent="梁振英同时遭到泛民主派和亲北京阵营议员质问 梁振英的山顶大宅于6月份被揭发 "
        "Facebook Twitter 转寄朋友 打印文稿 页首 与内文相关的链接 更新时间 格林尼治 "
        "梁振英定下出席违建事件质询日期",
    ),
]


def _paragraphs(body: str) -> list[str]:
    """The body's paragraphs as plain, whitespace-normalised text."""
    paragraphs = (_SPACES.sub(" ", plain_text(p)).strip() for p in body.split("\n\n"))
    return [p for p in paragraphs if p]


@needs_corpus
@pytest.mark.parametrize(("path", "url", "expected"), CASES)
def test_real_page(path: str, url: str, expected: dict):
    page = PAGES / path
    if not page.is_file():
        pytest.skip(f"{path} is not in the corpus")
    outlet = path.split("/")[0]
    article = extract_article(page.read_bytes(), url)  # raw bytes: no charset given
    source = SOURCES[outlet]
    assert article.source == outlet
    if "id" in expected:
        assert article.id == expected["id"]
    if "canonical" in expected:
        assert article.url == expected["canonical"]
    assert article.title == expected["title"]
    assert article.published.isoformat() == expected["published"]
    assert article.published.utcoffset() == source.tz.utcoffset(article.published)
    for key in ("bylines", "agency", "editors", "original_title", "section", "lang", "complete"):
        if key in expected:
            assert getattr(article, key) == expected[key], key
    assert expected.get("keywords", set()) <= set(article.keywords)
    assert not expected.get("not_keywords", set()) & set(article.keywords), article.keywords
    assert (article.description or "").startswith(expected.get("description", "")), "description"

    paragraphs = _paragraphs(article.body)
    assert paragraphs[0].startswith(expected["first"]), paragraphs[0]
    assert paragraphs[-1].startswith(expected["last"]), paragraphs[-1]
    for snippet in expected.get("contains", []):
        assert snippet in article.body, f"{snippet!r} missing"
    for snippet in expected["absent"].split() + list(RESIDUE):
        assert snippet not in article.body, f"residue {snippet!r} in the body"
    assert not _TAG.search(article.body), f"HTML tag in the body: {_TAG.search(article.body)}"
    assert not _ZERO_WIDTH.search(article.body) and not _C1.search(article.body)
    assert not re.search(r"\.(?:jpe?g|png|gif|webp)\b", article.body, re.I)


@needs_corpus
def test_every_real_page_of_these_outlets_has_a_case():
    covered = {p.values[0] for p in CASES}
    pages = {
        f"{p.parent.name}/{p.name}"
        for outlet in PAGE_OUTLETS
        for p in sorted((PAGES / outlet).glob("*.htm*"))
        if not p.match(LISTING_PAGE)
    }
    assert pages, f"no pages of {PAGE_OUTLETS} under {PAGES}"
    outlets = {d.name for d in PAGES.iterdir() if d.is_dir()} - {"zaobao"}
    assert outlets <= set(PAGE_OUTLETS), f"outlets unchecked: {sorted(outlets - set(PAGE_OUTLETS))}"
    assert pages <= covered, f"real pages without a case: {sorted(pages - covered)}"


# -- every registered outlet ------------------------------------------------------------------


def test_scrapy_list_shows_every_outlet():
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert set(PAGE_OUTLETS) | {"zaobao"} <= set(listed)
    assert set(SOURCES) <= set(listed)


def fixture_urls(name: str) -> list[str]:
    """The URLs our fixture pages of an outlet are articles at."""
    urls = []
    for expected in sorted((FIXTURES / name).glob("*.expected.json")):
        case = json.loads(expected.read_text(encoding="utf-8"))
        if "not_article" not in case:
            urls.append(case["url"])
    return urls


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_article_id_takes_the_fixture_url_and_not_a_listing(name: str):
    source = SOURCES[name]
    urls = fixture_urls(name)
    assert urls, f"{name}: no fixture page under tests/fixtures/{name}/"
    for url in urls:
        assert source.article_id(url), f"{name}: {url} is no article URL"
        assert source.canonical_url(url).startswith("https://")
    home = source.canonical_base + "/"
    for listing in (home, *source.start_urls):
        assert source.article_id(listing) is None, f"{name}: {listing} taken for an article"


def test_simplified_and_traditional_bbc_stories_are_two_articles():
    bbc = SOURCES["bbc_zhongwen"]
    simp = "https://www.bbc.com/zhongwen/simp/chinese-news-55570501"
    trad = "https://www.bbc.com/zhongwen/trad/chinese-news-55570501"
    assert bbc.article_id(simp) and bbc.article_id(trad)
    assert bbc.article_id(simp) != bbc.article_id(trad)
    assert bbc.article_id("https://www.bbc.com/zhongwen/articles/c0w8y1k2m3no/simp")
    assert bbc.article_id("https://www.bbc.com/news/world-asia-china-55570501") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://culture.people.com.cn/n1/2019/0615/c1013-31153719.html",
        "https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html",
        "https://3w.huanqiu.com/a/d80b1f/3yWyyCuSR4w",
    ],
)
def test_canonical_url_keeps_the_channel_host(url: str):
    source = next(s for s in SOURCES.values() if s.article_id(url))
    assert source.canonical_url(url) == url


@needs_corpus
def test_readme_says_which_outlets_are_checked_on_real_pages():
    readme = (ROOT / "docs" / "outlets.md").read_text(encoding="utf-8")
    table = readme[readme.index("| spider | outlet |") :].split("\n\n", 1)[0].splitlines()
    header = [c.strip() for c in table[0].strip("|").split("|")]
    column = header.index("checked on real pages")
    checked = {}
    for row in table[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        checked[cells[0].strip("`")] = cells[column]
    assert set(checked) == set(SOURCES)
    for name, cell in checked.items():
        has_pages = any((PAGES / name).glob("*.htm*"))
        assert cell.startswith("yes, " if has_pages else "no"), f"{name}: {cell!r}"
