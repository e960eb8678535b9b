"""The signal parser: a channel post's text in, one typed result out (pure, no I/O).

    from services.parsing import parse_post, ParsedSignal
    result = parse_post(text)

Results (`model.py`): `ParsedSignal` (a new trade; not tradable while it has `problems`),
`ParsedUpdate`, `ParsedClose`, `Noise` (`looks_like_signal` when it had a signal's shape).
`not_understood_reason(result)` gives the text for "not understood: <reason>".

Checks that need the market live in `validation.py` and take it as arguments:
`validate_signal` (all reasons not to trade, the parser's `problems` included),
`rescale_price` / `rescale_signal` (shorthand prices such as 28390 for 0.02839).
`normalize_channel_id` gives the one (-100…) form of a channel id.
"""

from services.parsing.channels import normalize_channel_id
from services.parsing.model import (
    EntryType,
    MarginMode,
    MarketType,
    Noise,
    ParsedClose,
    ParsedSignal,
    ParsedUpdate,
    ParseResult,
    Side,
    UpdateAction,
    UpdateKind,
    not_understood_reason,
)
from services.parsing.parser import parse_post
from services.parsing.validation import (
    check_consistency,
    rescale_price,
    rescale_signal,
    validate_signal,
)

__all__ = [
    "EntryType",
    "MarginMode",
    "MarketType",
    "Noise",
    "ParseResult",
    "ParsedClose",
    "ParsedSignal",
    "ParsedUpdate",
    "Side",
    "UpdateAction",
    "UpdateKind",
    "check_consistency",
    "normalize_channel_id",
    "not_understood_reason",
    "parse_post",
    "rescale_price",
    "rescale_signal",
    "validate_signal",
]
