"""Splitting Telegram HTML under the message limit without breaking tags or entities."""

from __future__ import annotations

import re

import pytest

from services.html_split import MESSAGE_LIMIT, split_html

TAG = re.compile(r"<(/?)(\w+)[^>]*>")


def balanced(piece: str) -> bool:
    stack: list[str] = []
    for closing, name in TAG.findall(piece):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_text_is_one_piece_unchanged() -> None:
    assert split_html("<b>hi</b> &amp; bye") == ["<b>hi</b> &amp; bye"]


def test_lines_are_kept_whole_and_joining_gives_the_text_back() -> None:
    text = "\n".join(f"<b>{i}</b> ETH/USDT short &lt;3 entry" for i in range(600))
    pieces = split_html(text)
    assert len(pieces) > 1
    assert all(len(p) <= MESSAGE_LIMIT and balanced(p) for p in pieces)
    assert "\n".join(pieces) == text


def test_a_tag_spanning_lines_is_closed_and_reopened_at_each_cut() -> None:
    text = '<pre><code class="language-text">' + "\n".join("x" * 50 for _ in range(300)) + "</code></pre>"
    pieces = split_html(text, 1000)
    assert all(len(p) <= 1000 and balanced(p) for p in pieces)
    assert all(p.startswith('<pre><code class="language-text">') for p in pieces)
    assert all(p.endswith("</code></pre>") for p in pieces)


def test_one_huge_line_is_cut_at_spaces_never_inside_an_entity() -> None:
    text = "<i>" + " ".join(["AT&amp;T"] * 1500) + "</i>"
    pieces = split_html(text, 500)
    assert all(len(p) <= 500 and balanced(p) for p in pieces)
    for piece in pieces:
        assert not re.search(r"&[a-z]*$", piece.removesuffix("</i>"))
        assert not piece.removeprefix("<i>").startswith("amp;")
    words = " ".join(p.removeprefix("<i>").removesuffix("</i>") for p in pieces).split()
    assert words == ["AT&amp;T"] * 1500


def test_a_word_longer_than_the_limit_is_cut_anyway() -> None:
    pieces = split_html("a" * 2500, 1000)
    assert [len(p) for p in pieces] == [1000, 1000, 500]


def test_limits_too_small_to_hold_tags_are_refused() -> None:
    with pytest.raises(ValueError):
        split_html("x" * 100, 10)
