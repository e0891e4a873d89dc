"""Outlet rules that read a line of text, checked on lines written here."""

from __future__ import annotations

import pytest

from crawler.sources.cna import dateline_reporters


@pytest.mark.parametrize(
    ("line", "reporters"),
    [
        ("（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行", ["邱俊欽"]),
        ("（中央社記者張謙香港15日電）香港政府", ["張謙"]),  # a two-character name
        ("（中央社記者江今葉華盛頓9日專電）美國", ["江今葉"]),
        ("（中央社記者陳家倫、何宏儒台北19日電）行政院", ["陳家倫", "何宏儒"]),
        ("（中央社記者林芳如台南10日電）", ["林芳如"]),
        ("（中央社記者王大明霧峰3日電）", ["王大明"]),  # a place not in the list: 3 characters
        ("（中央社台北19日電）行政院", []),  # the agency's own story
        ("（中央社華盛頓18日綜合外電報導）", []),
        ("台北市政府今天宣布", None),  # no dateline
    ],
)
def test_cna_dateline_names_the_reporters(line: str, reporters: list[str] | None):
    assert dateline_reporters(line) == reporters
