"""Client order ids: deterministic, within Binance's rule, readable back, per installation."""

from __future__ import annotations

import re

import pytest

from services.trading.client_ids import (
    ClientIds,
    ClientOrderRef,
    close_leg,
    derive_namespace,
    entry_leg,
    stop_leg,
    target_leg,
)

BINANCE_RULE = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")


def test_the_same_position_and_leg_always_give_the_same_id() -> None:
    ids = ClientIds()
    assert ids.make(1842, target_leg(2)) == ids.make("1842", "tp2") == "sd-1842-tp2"
    assert ids.make(7, entry_leg()) == "sd-7-entry"
    assert ids.make(7, entry_leg(2)) == "sd-7-entry2"
    assert ids.make(7, stop_leg()) == "sd-7-sl"
    assert ids.make(7, stop_leg(1)) == "sd-7-sl1"  # the stop moved to break-even
    assert ids.make(7, close_leg()) == "sd-7-close"


@pytest.mark.parametrize("leg", [entry_leg(), entry_leg(9), stop_leg(), stop_leg(12),
                                 target_leg(1), target_leg(10), close_leg(), close_leg(3)])
def test_ids_fit_binance_and_parse_back(leg: str) -> None:
    ids = ClientIds(derive_namespace("bot 123456789"))
    position = "9" * 20  # the longest position id
    client_id = ids.make(position, leg)
    assert BINANCE_RULE.fullmatch(client_id)
    assert ids.parse(client_id) == ClientOrderRef(position, leg)
    assert ids.is_ours(client_id)


def test_two_installations_never_read_each_others_ids() -> None:
    mine, theirs = ClientIds(derive_namespace("bot-a")), ClientIds(derive_namespace("bot-b"))
    assert mine.namespace != theirs.namespace
    assert derive_namespace("bot-a") == derive_namespace("bot-a")  # stable across restarts
    assert theirs.parse(mine.make(5, "tp1")) is None
    assert mine.parse(mine.make(5, "tp1")) == ClientOrderRef("5", "tp1")


@pytest.mark.parametrize("foreign", [None, "", "x-cvBPrNm9abc123", "web_8a7c", "sd-1-2-tp1",
                                     "sd-1-TP1", "sd--tp1", "sd-1", "ios_abc-1-tp1"])
def test_ids_that_are_not_ours_parse_to_none(foreign: str | None) -> None:
    assert ClientIds().parse(foreign) is None


@pytest.mark.parametrize(("position", "leg"), [
    ("12-3", "tp1"), ("", "tp1"), ("1" * 21, "tp1"), ("7", "TP1"), ("7", "tp-1"),
    ("7", "a" * 11), ("7", ""),
])
def test_bad_parts_are_refused(position: str, leg: str) -> None:
    with pytest.raises(ValueError):
        ClientIds().make(position, leg)


def test_namespaces_and_legs_are_checked() -> None:
    with pytest.raises(ValueError):
        ClientIds("SD")
    with pytest.raises(ValueError):
        ClientIds("sd-x")
    with pytest.raises(ValueError):
        target_leg(0)
    with pytest.raises(ValueError):  # 10 + 1 + 20 + 1 + 10 characters: over 36
        ClientIds("abcdefghij").make("1" * 20, "abcdefghij")
