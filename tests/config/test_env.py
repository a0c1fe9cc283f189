"""config.env.Environment: how settings read the environment."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Environment


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("45s", timedelta(seconds=45)),
        (" 1H ", timedelta(hours=1)),
    ],
)
def test_a_duration_is_read_with_its_units(written, meant):
    assert Environment({"WAIT": written}).duration("WAIT", "1h") == meant


def test_a_missing_or_empty_duration_takes_the_default():
    assert Environment({}).duration("WAIT", "24h") == timedelta(hours=24)
    assert Environment({"WAIT": ""}).duration("WAIT", "30m") == timedelta(minutes=30)


@pytest.mark.parametrize("written", ["24", "soon", "0h", "1h-5m", "m", "1.5h"])
def test_a_duration_without_units_or_length_stops_start_up(written):
    with pytest.raises(ImproperlyConfigured, match="WAIT must be a length of time"):
        Environment({"WAIT": written}).duration("WAIT", "1h")
