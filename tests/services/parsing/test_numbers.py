from decimal import Decimal

import pytest

from services.parsing.numbers import (
    NumberKind,
    format_price,
    scan_numbers,
    to_decimal,
    uses_decimal_comma,
)


def values(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(str(t.value), t.kind.value) for t in scan_numbers(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,582800", "0.582800"),
        ("202,6", "202.6"),
        ("27,400", "27400"),
        ("$2,201.43", "2201.43"),
        (".390", "0.390"),
        ("38K", "38000"),
        ("10.713000000000001", "10.713"),
        ("0.00001150", "0.00001150"),
    ],
)
def test_written_forms_give_exact_decimals(text, expected):
    (token,) = scan_numbers(text, decimal_comma=uses_decimal_comma(text))
    assert token.value == Decimal(expected)
    assert token.kind is NumberKind.PRICE


def test_comma_decimals_elsewhere_make_a_three_digit_group_decimal_too():
    text = "Entry 0,5828 Target 1,118"
    assert uses_decimal_comma(text)
    assert [t.value for t in scan_numbers(text, decimal_comma=True)] == [
        Decimal("0.5828"),
        Decimal("1.118"),
    ]


def test_thousands_groups_alone_are_not_decimal_commas():
    assert not uses_decimal_comma("ENTRY: 27,400 - 29,020 OTE: 27,871 $2,201.43")
    assert not uses_decimal_comma("42.20$,43.00$,43.80$")


def test_comma_separated_list_without_spaces():
    assert values("42.20$,43.00$,43.80$") == [
        ("42.20", "price"),
        ("43.00", "price"),
        ("43.80", "price"),
    ]


def test_percentages_and_percentage_ranges():
    assert values("SL - 25-30%") == [("25", "percent"), ("30", "percent")]
    assert values("3 to 5% of funds") == [("3", "percent"), ("5", "percent")]


def test_a_target_and_its_share_are_not_a_range():
    assert values("1) 39265 - 20%") == [("39265", "price"), ("20", "percent")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5-10x", ["5", "10"]),
        ("10X-20X", ["10", "20"]),
        ("20x/50x", ["20", "50"]),
        ("x32", ["32"]),
        ("Leverage x 16", ["16"]),
        ("Isolated (10.0X)", ["10.0"]),
        ("Cross (20x)", ["20"]),
    ],
)
def test_leverage_forms(text, expected):
    tokens = scan_numbers(text)
    assert [str(t.value) for t in tokens] == expected
    assert {t.kind for t in tokens} == {NumberKind.LEVERAGE}


@pytest.mark.parametrize(
    "text", ["1INCH", "H4 candle", "EMA200", "4hr", "5min", "max10", "1000PEPE"]
)
def test_digits_glued_to_letters_are_not_numbers(text):
    assert scan_numbers(text) == []


def test_list_enumerators_and_zeros_are_skipped():
    assert values("1) 0.8879 2)0.927 Target (2) 62 000") == [
        ("0.8879", "price"),
        ("0.927", "price"),
        ("62", "price"),
    ]


def test_to_decimal_rejects_garbage():
    assert to_decimal("1.2.3") is None
    assert to_decimal("10.713000000000001") == Decimal("10.713")


def test_format_price_is_plain_and_trimmed():
    assert format_price(Decimal("42200.0")) == "42200"
    assert format_price(Decimal("3.8E+4")) == "38000"
    assert format_price(Decimal("0.02840")) == "0.0284"
