"""Helpers of the channel-style tests (test_channel_styles_*.py)."""

from services.parsing import ParsedClose, ParsedSignal, ParsedUpdate, parse_post


def signal_of(text: str) -> ParsedSignal:
    result = parse_post(text)
    assert isinstance(result, ParsedSignal), result
    return result


def prices(values) -> list[str]:
    return [str(v) for v in values]


def labels(result) -> list[str]:
    assert isinstance(result, ParsedUpdate | ParsedClose), result
    return [a.label() for a in result.actions]
