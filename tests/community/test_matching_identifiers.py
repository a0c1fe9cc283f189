"""Identifier normalisation (decision 0080): the Python copy gives every vector in the shared
file, and its phone table agrees with phonenumbers. The browser's copy runs the same file in
tests/browser/test_matching_identifiers.py."""

import json
from pathlib import Path

import phonenumbers
import pytest

from community.matching import identifiers

VECTORS = json.loads((Path(__file__).parent / "matching_vectors.json").read_text())["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["input"].strip() or "blank" for v in VECTORS])
def test_python_normalisation_gives_each_vector(vector):
    region = vector.get("region", "US")
    if "error" in vector:
        with pytest.raises(identifiers.IdentifierError) as raised:
            identifiers.normalise(vector["kind"], vector["input"], region)
        assert raised.value.code == vector["error"]
    else:
        result = identifiers.normalise(vector["kind"], vector["input"], region)
        assert result.normalised == vector["normalised"]
        assert result.kind == vector["kind"]


def test_the_issues_spellings_meet():
    assert identifiers.normalise_email("J.Doe@Example.com ") == identifiers.normalise_email(
        "j.doe@example.com"
    )
    assert identifiers.normalise_phone("+1 415 555 0100", "US") == identifiers.normalise_phone(
        "(415) 555-0100", "US"
    )


def test_types_never_cross_match():
    seen = {
        identifiers.normalise("email", "a@b.co").normalised,
        identifiers.normalise("url", "b.co/a").normalised,
        identifiers.normalise("phone", "+14155550100").normalised,
    }
    assert {value.split(":", 1)[0] for value in seen} == {"email", "url", "phone"}


@pytest.mark.parametrize("region", sorted(identifiers.PHONE_REGIONS))
def test_the_phone_table_is_phonenumbers_metadata(region):
    code, trunk = identifiers.PHONE_REGIONS[region]
    assert code == str(phonenumbers.country_code_for_region(region))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert trunk == (metadata.national_prefix or "")


def test_the_browser_has_the_same_phone_table():
    script = (Path(__file__).resolve().parents[2] / "static/js/matching-identifiers.js").read_text()
    for region, (code, trunk) in identifiers.PHONE_REGIONS.items():
        assert f'{region}: ["{code}", "{trunk}"],' in script
