"""Removing many elements at once keeps every bit of text that follows them, in order."""

from __future__ import annotations

import pytest
from lxml.html import fragment_fromstring, tostring

from crawler.extract.prune import drop_all


@pytest.mark.parametrize(
    ("html", "doomed", "expected"),
    [
        ("<p>a<b>x</b>b<i>y</i>c</p>", "b", "<p>ab<i>y</i>c</p>"),
        ("<p>a<b>x</b>b<b>y</b>c</p>", "b", "<p>abc</p>"),
        ("<p><b>x</b>b<i>y</i><b>z</b>c</p>", "b", "<p>b<i>y</i>c</p>"),
        ("<p>a<b>x<b>y</b>z</b>c</p>", "b", "<p>ac</p>"),  # nested: both doomed
        ("<div><p>a<b>x</b>b</p><b>y</b>tail</div>", "b", "<div><p>ab</p>tail</div>"),
        ("<p><b>x</b></p>", "b", "<p></p>"),
    ],
)
def test_tails_are_kept_in_order(html, doomed, expected):
    root = fragment_fromstring(html)
    drop_all(root.iter(doomed))
    assert tostring(root, encoding="unicode") == expected


def test_thousands_of_siblings_leave_the_text_whole():
    root = fragment_fromstring("<p>" + "字<sup>[1]</sup>" * 20_000 + "</p>")
    drop_all(root.iter("sup"))
    assert root.text == "字" * 20_000 and len(root) == 0


def test_the_root_itself_is_left():
    root = fragment_fromstring("<b>x</b>")
    drop_all([root])
    assert tostring(root, encoding="unicode") == "<b>x</b>"
