"""Seeded people: customers (registered and guests) and their home addresses.

A customer's name and home address are pure functions of (seed, customer id), so order
addresses can be produced on demand without keeping a second copy of every customer in memory.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

from .resource_spec import mix
from .seed_data import (
    COMPANIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    INTL_PLACES,
    LAST_NAMES,
    STREETS,
    US_PLACES,
)

__all__ = ["Person", "Place", "address_values", "at_place", "customer_values", "person"]

Place = tuple[str, str, str, str, str, str, str]
"""(address_line_1, city, state, state_code, postal_code, country, country_code)"""


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    address_line_1: str
    address_line_2: str
    city: str
    state: str
    state_code: str
    postal_code: str
    country: str
    country_code: str


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def person(seed: int, key: int, salt: int = 0) -> Person:
    """The deterministic identity for customer `key` (salt > 0: a gift recipient)."""
    h = mix(seed, key, 100 + salt)
    first = FIRST_NAMES[h % len(FIRST_NAMES)]
    last = LAST_NAMES[(h >> 8) % len(LAST_NAMES)]
    company = COMPANIES[(h >> 16) % len(COMPANIES)] if (h >> 20) % 7 == 0 else ""
    number = 100 + (h >> 24) % 9800
    street = STREETS[(h >> 40) % len(STREETS)]
    line2 = ""
    if (h >> 44) % 7 == 0:
        line2 = f"Apt {1 + (h >> 48) % 30}{'ABCD'[(h >> 53) % 4]}"
    elif (h >> 44) % 11 == 1:
        line2 = f"Suite {100 * (1 + (h >> 48) % 9)}"
    local = f"{(h >> 12) % 9000 + 1000:04d}"
    if (h >> 56) % 12 == 0:
        city, state, code, postal, country, cc, prefix = INTL_PLACES[(h >> 4) % len(INTL_PLACES)]
        phone = f"{prefix} {(h >> 28) % 900 + 100} {local}"
    else:
        city, state, code, zip3, area = US_PLACES[(h >> 4) % len(US_PLACES)]
        postal = f"{zip3}{(h >> 32) % 100:02d}"
        if (h >> 36) % 9 == 0:
            postal += f"-{(h >> 40) % 9000 + 1000}"
        country, cc = "United States", "US"
        phone = f"{area}-555-{local}"
    email = f"{_slug(first)}.{_slug(last)}{key}@{EMAIL_DOMAINS[(h >> 60) % len(EMAIL_DOMAINS)]}"
    intern = sys.intern  # a repeat customer's orders share one copy of each string
    return Person(
        first,
        last,
        company,
        intern(email),
        intern(phone),
        intern(f"{number} {street}"),
        line2,
        city,
        state,
        code,
        intern(postal),
        country,
        cc,
    )


def at_place(p: Person, place: Place) -> Person:
    """`p` (name, company, phone, email) at another address, e.g. a showcase ship-to."""
    line1, city, state, code, postal, country, cc = place
    return replace(
        p,
        address_line_1=line1,
        address_line_2="",
        city=city,
        state=state,
        state_code=code,
        postal_code=postal,
        country=country,
        country_code=cc,
    )


def customer_values(p: Person, created_ms: int, last_ms: int, guest: bool) -> dict[str, Any]:
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "phone_number": p.phone,
        "registered_at": created_ms,
        "last_visit_at": last_ms,
        "no_account": guest,
        "username": "" if guest else p.email,
        "company": p.company,
        # reference_tables.CUSTOMER_TYPES: buyers for a company are Wholesale, other accounts
        # Retail, guests none (0), so a client meets several types and the unset 0.
        "customer_type_id": 0 if guest else 2 if p.company else 1,
        "created_at": created_ms,
        "updated_at": max(created_ms, last_ms),
    }


def address_values(p: Person, customer_id: int, order_id: int, ms: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "company": p.company,
        "address_line_1": p.address_line_1,
        "address_line_2": p.address_line_2,
        "city": p.city,
        "state": p.state,
        "postal_code": p.postal_code,
        "country": p.country,
        "phone": p.phone,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "state_code": p.state_code,
        "country_code": p.country_code,
        "created_at": ms,
        "updated_at": ms,
        "_order_id": order_id,
    }
