"""Postal codes of Cart.com addresses: US ZIP codes get back the leading zeros the API drops.

acapi.yaml types `order_addresses.postal_code` as an integer (API-NOTES §10), so Boston's
`02187` can arrive as `2187` and the ZIP+4 `02187-1234` as `21871234`. Stored as received,
that is a wrong shipping address for all of New England, New Jersey, Puerto Rico and the
military post offices (`09xxx`). `normalize_postal_code` undoes it where the format is known:

- For an address in a place that uses US ZIP codes, a number (or digit string) of up to 5
  digits is a ZIP left-padded to 5; one of 6 to 9 digits is a ZIP+4, left-padded to 9 and
  written `NNNNN-NNNN`; `02187-1234` and `02187 1234` are written `02187-1234`. Anything else
  (letters, 10+ digits, other punctuation) is kept as it came: a guess would be worse.
  Places that use US ZIP codes: the United States (military APO/FPO/DPO addresses are US
  addresses), its territories PR, VI, GU, AS, MP, UM, and the freely associated states FM,
  MH, PW, which the USPS serves. Spelled as an ISO code (`US`, `USA`) or a name
  ("United States", "Puerto Rico"), in any case and punctuation ("U.S.A.").
- Any other country's code is kept exactly as it came, except that a JSON integer becomes
  its decimal text: without a table of every country's format there is no safe padding (a
  German `01067` that Cart.com sent as `1067` stays `1067`).
- **No country** (blank or absent): a JSON *integer* of up to 9 digits is read as a US ZIP,
  because Cart.com is a US platform whose store default country is the US, and an integer
  is exactly the form that lost the zeros. A *string* without a country is kept as it came:
  the store sent text, so nothing was dropped and nothing can be assumed about its format.
- The integer `0` is no postal code (`None`): Cart.com writes `0` in unset integer fields
  (API-NOTES §13), and no country has `0` as a postal code; padding it would invent `00000`.
  For the same reason a US-ZIP place's code of only zeros (`"0"`, `"00000"`) is `None`.

Pure functions; `as_postal_code` adds the type check a mapping needs.

Only the inbound direction exists: nothing the hub sends to Cart.com carries an address
(fulfillments.push sends shipments and statuses, products.push products, inventory.push
quantities). A flow that one day writes `order_addresses` should send the ZIP as text (an
integer is what drops the zeros) and be tested under both sandbox `postal_code_as` switches:
whether a real store accepts text in that integer-typed field is undocumented.
"""

from __future__ import annotations

import re
from typing import Final

from orderhub.connectors.cartcom.mapping.common import INVALID_RECORD, MappingError, shown

__all__ = ["US_ZIP_COUNTRIES", "as_postal_code", "normalize_postal_code", "uses_us_zip"]

US_ZIP_COUNTRIES: Final = frozenset(
    {
        # ISO 3166 alpha-2 and alpha-3 codes.
        *("us", "usa", "pr", "pri", "vi", "vir", "gu", "gum", "as", "asm"),
        *("mp", "mnp", "um", "umi", "fm", "fsm", "mh", "mhl", "pw", "plw"),
        # Names, as `_country_key` folds them ("U.S.A." -> "u s a", "Virgin Islands, U.S."
        # -> "virgin islands u s"). A bare "Virgin Islands" is left out: it may be British.
        *("u s", "u s a", "united states", "united states of america"),
        *("puerto rico", "guam", "american samoa"),
        *("northern mariana islands", "commonwealth of the northern mariana islands"),
        *("us virgin islands", "u s virgin islands", "united states virgin islands"),
        *("virgin islands u s", "virgin islands us", "virgin islands of the united states"),
        *("united states minor outlying islands", "us minor outlying islands"),
        *("u s minor outlying islands",),
        *("micronesia", "federated states of micronesia", "micronesia federated states of"),
        *("marshall islands", "palau"),
        # Military post: some stores put the post office type where the country goes.
        *("apo", "fpo", "dpo", "apo fpo"),
    }
)
"""Country spellings (folded) whose addresses use US ZIP codes."""

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"[0-9]{1,9}")
_ZIP_PLUS_4 = re.compile(r"([0-9]{5})[- ]([0-9]{4})")


def _country_key(country: str) -> str:
    return _NOT_ALNUM.sub(" ", country.casefold()).strip()


def uses_us_zip(country: str | None) -> bool:
    """Whether an address in `country` (a code or a name) is written with a US ZIP code."""
    return country is not None and _country_key(country) in US_ZIP_COUNTRIES


def normalize_postal_code(value: str | int | None, country: str | None) -> str | None:
    """The postal code as the hub keeps it: text, US ZIPs with their zeros (module docstring).

    `None`, blank text, the integer `0` and a US ZIP of zeros give `None`.
    """
    if value is None:
        return None
    if isinstance(value, int):
        if value == 0:
            return None
        text = str(value)
        no_country = country is None or not country.strip()
        return _us_zip(text) if uses_us_zip(country) or no_country else text
    text = value.strip()
    if not text:
        return None
    return _us_zip(text) if uses_us_zip(country) else text


def _us_zip(text: str) -> str | None:
    if _DIGITS.fullmatch(text):
        if not text.strip("0"):
            return None
        if len(text) <= 5:
            return text.zfill(5)
        nine = text.zfill(9)
        return f"{nine[:5]}-{nine[5:]}"
    plus_4 = _ZIP_PLUS_4.fullmatch(text)
    if plus_4:
        return f"{plus_4[1]}-{plus_4[2]}"
    return text


def as_postal_code(value: object, country: str | None, field: str) -> str | None:
    """`normalize_postal_code` of a raw JSON value; anything but text or a whole number fails.

    A float is refused rather than truncated: no postal code has a fraction.
    """
    if value is None or isinstance(value, str):
        return normalize_postal_code(value, country)
    if isinstance(value, int) and not isinstance(value, bool):
        return normalize_postal_code(value, country)
    raise MappingError(
        INVALID_RECORD, f"{field} must be text or a whole number, got {shown(value)}"
    )
