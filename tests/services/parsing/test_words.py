import re

import pytest

from services.parsing.words import iter_words, key_of, keyword_regex, search_word


def test_keyword_regex_names_the_matching_key():
    pattern = keyword_regex([("stop", r"stop\s*loss"), ("stop", "sl"), ("targets", "tp")])
    assert [key_of(m) for m in pattern.finditer("tp 1 sl 2 stop loss 3")] == [
        "targets",
        "stop",
        "stop",
    ]


def test_keyword_regex_needs_a_literal_first_character():
    with pytest.raises(ValueError):
        keyword_regex([("x", r"(?:a|b)c")])


def test_only_whole_words_match():
    pattern = keyword_regex([("stop", "stop")])
    assert search_word(pattern, "nonstop") is None
    found = search_word(pattern, "nonstop stop")
    assert found is not None and found.start() == 8
    assert [m.start() for m in iter_words(pattern, "stop stops #stop")] == [0, 12]


def test_search_word_on_plain_regex():
    found = search_word(re.compile("be"), "maybe be")
    assert found is not None and found.start() == 6
