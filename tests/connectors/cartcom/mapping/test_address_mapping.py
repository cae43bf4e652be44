"""US ZIP codes keep their leading zeros however Cart.com sends them (issue #12)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.connectors.cartcom.mapping import MappingError
from orderhub.connectors.cartcom.mapping.addresses import (
    as_postal_code,
    normalize_postal_code,
    uses_us_zip,
)


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        # The spec's integer: the zeros Cart.com dropped come back.
        pytest.param(2187, "US", "02187", id="us-int-4-digits"),
        pytest.param(601, "PR", "00601", id="pr-int-3-digits"),
        pytest.param(5, "US", "00005", id="us-int-1-digit"),
        pytest.param(77706, "US", "77706", id="us-int-5-digits"),
        pytest.param(21871234, "US", "02187-1234", id="us-int-zip4-8-digits"),
        pytest.param(6011234, "US", "00601-1234", id="us-int-zip4-7-digits"),
        pytest.param(123456, "US", "00012-3456", id="us-int-zip4-6-digits"),
        pytest.param(777061234, "US", "77706-1234", id="us-int-zip4-9-digits"),
        pytest.param(1234567890, "US", "1234567890", id="us-int-10-digits-kept"),
        pytest.param(0, "US", None, id="zero-is-unset"),
        pytest.param("0", "US", None, id="zero-text-is-unset"),
        pytest.param("00000", "US", None, id="zeros-are-no-zip"),
        pytest.param("0", "FR", "0", id="zero-text-elsewhere-kept"),
        pytest.param(-2187, "US", "-2187", id="negative-kept"),
        # Text in a US-ZIP place.
        pytest.param("02187", "US", "02187", id="us-text-kept"),
        pytest.param("2187", "US", "02187", id="us-text-4-digits"),
        pytest.param(" 2187 ", "United States", "02187", id="us-text-stripped"),
        pytest.param("021871234", "US", "02187-1234", id="us-text-9-digits"),
        pytest.param("02187-1234", "US", "02187-1234", id="us-zip4-kept"),
        pytest.param("02187 1234", "US", "02187-1234", id="us-zip4-space"),
        pytest.param("2187-1234", "US", "2187-1234", id="us-short-zip4-kept"),
        pytest.param("02187-12", "US", "02187-12", id="us-odd-shape-kept"),
        pytest.param("ABC12", "US", "ABC12", id="us-letters-kept"),
        pytest.param("", "US", None, id="empty"),
        pytest.param("  ", "US", None, id="blank"),
        pytest.param(None, "US", None, id="null"),
        # Every spelling of a US-ZIP place.
        pytest.param(2187, "USA", "02187", id="usa"),
        pytest.param(2187, "us", "02187", id="lowercase"),
        pytest.param(2187, "U.S.A.", "02187", id="dotted"),
        pytest.param(2187, "United States of America", "02187", id="long-name"),
        pytest.param(901, "Puerto Rico", "00901", id="puerto-rico-name"),
        pytest.param(802, "VI", "00802", id="virgin-islands"),
        pytest.param(802, "Virgin Islands, U.S.", "00802", id="virgin-islands-name"),
        pytest.param(96910, "GU", "96910", id="guam"),
        pytest.param(96799, "AS", "96799", id="american-samoa"),
        pytest.param(96950, "MP", "96950", id="northern-marianas"),
        pytest.param(96898, "UM", "96898", id="minor-outlying"),
        pytest.param(96941, "FM", "96941", id="micronesia"),
        pytest.param(96960, "MH", "96960", id="marshall-islands"),
        pytest.param(96940, "PW", "96940", id="palau"),
        pytest.param(9021, "APO", "09021", id="apo-as-country"),
        # Other countries: kept as they came; an integer becomes its text.
        pytest.param("K1A 0B1", "CA", "K1A 0B1", id="canada"),
        pytest.param("SW1A 2AA", "United Kingdom", "SW1A 2AA", id="uk"),
        pytest.param(1067, "DE", "1067", id="germany-int-not-padded"),
        pytest.param("01067", "Germany", "01067", id="germany-text-kept"),
        pytest.param(2000, "AU", "2000", id="australia"),
        pytest.param("1012 JS", "NL", "1012 JS", id="netherlands"),
        pytest.param(1234, "VG", "1234", id="british-virgin-islands-not-us"),
        pytest.param(1234, "Virgin Islands", "1234", id="bare-virgin-islands-not-us"),
        pytest.param(1234, "AE", "1234", id="uae-not-military"),
        # No country: a number is a US ZIP (Cart.com is a US platform); text is left alone.
        pytest.param(2187, None, "02187", id="no-country-int"),
        pytest.param(2187, "", "02187", id="blank-country-int"),
        pytest.param(21871234, None, "02187-1234", id="no-country-int-zip4"),
        pytest.param(1234567890, None, "1234567890", id="no-country-int-10-digits"),
        pytest.param("2187", None, "2187", id="no-country-text-kept"),
        pytest.param("K1A 0B1", None, "K1A 0B1", id="no-country-postcode-kept"),
        pytest.param(0, None, None, id="no-country-zero"),
    ],
)
def test_normalize_postal_code(
    value: str | int | None, country: str | None, expected: str | None
) -> None:
    assert normalize_postal_code(value, country) == expected


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("US", True),
        (" united states ", True),
        ("U.S.", True),
        ("PRI", True),
        ("Federated States of Micronesia", True),
        ("CA", False),
        ("Canada", False),
        ("", False),
        (None, False),
    ],
)
def test_uses_us_zip(country: str | None, expected: bool) -> None:
    assert uses_us_zip(country) is expected


@pytest.mark.parametrize("value", [True, 2187.0, 7.5, [], {"zip": 2187}])
def test_as_postal_code_refuses_other_json_types(value: object) -> None:
    with pytest.raises(MappingError, match=r"^order address 7: postal_code must be") as caught:
        as_postal_code(value, "US", "order address 7: postal_code")
    assert caught.value.exception_type == "invalidRecord"


def test_as_postal_code_normalizes_what_it_accepts() -> None:
    assert as_postal_code(2187, "US", "postal_code") == "02187"
    assert as_postal_code("2187", "US", "postal_code") == "02187"
    assert as_postal_code(None, "US", "postal_code") is None


us_zips = st.from_regex(r"\A[0-9]{5}\Z")
plus_4 = st.from_regex(r"\A[0-9]{4}\Z")
# Real ZIPs start at 00501. Below 00010 a ZIP+4 fits in 5 digits as a number and cannot be told
# from a plain ZIP; no such ZIP exists.
real_zips = st.integers(min_value=501, max_value=99999).map("{:05d}".format)


@given(zip_code=us_zips, country=st.sampled_from(["US", "United States", "PR", None]))
def test_a_zip_sent_as_a_number_comes_back_as_it_was(zip_code: str, country: str | None) -> None:
    expected = None if zip_code == "00000" else zip_code  # 0 is Cart.com's unset integer
    assert normalize_postal_code(int(zip_code), country) == expected


@given(zip_code=real_zips, extra=plus_4, country=st.sampled_from(["US", "USA", "GU", None]))
def test_a_zip_plus_4_sent_as_a_number_comes_back_as_it_was(
    zip_code: str, extra: str, country: str | None
) -> None:
    assert normalize_postal_code(int(zip_code + extra), country) == f"{zip_code}-{extra}"


@given(value=st.one_of(us_zips, st.builds("{}-{}".format, us_zips, plus_4)))
def test_normalizing_twice_changes_nothing_more(value: str) -> None:
    once = normalize_postal_code(value, "US")
    assert normalize_postal_code(once, "US") == once
