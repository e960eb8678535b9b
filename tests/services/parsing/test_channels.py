import pytest

from services.parsing import normalize_channel_id


@pytest.mark.parametrize(
    "value",
    [1234567890, "1234567890", -1001234567890, "-1001234567890", " -1001234567890 ", "+1234567890"],
)
def test_marked_and_bare_ids_are_the_same_channel(value):
    assert normalize_channel_id(value) == -1001234567890


def test_short_bare_id_gets_the_full_mark():
    assert normalize_channel_id(777) == -1000000000777


def test_basic_group_id_is_left_alone():
    assert normalize_channel_id(-123456) == -123456


@pytest.mark.parametrize("value", [0, "0", "", "@channel", "12a", True, "1.5"])
def test_not_a_channel_id(value):
    with pytest.raises(ValueError):
        normalize_channel_id(value)
