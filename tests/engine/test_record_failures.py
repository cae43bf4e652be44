"""Whose failure is it: the rule that keeps one record from blocking a flow."""

from __future__ import annotations

import pytest

from orderhub.connectors.cartcom.errors import (
    AuthenticationFailed,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
)
from orderhub.connectors.cartcom.mapping import MappingError
from orderhub.engine.record_failures import FailureStreak, StoreUnavailable, failure_scope


@pytest.mark.parametrize(
    ("error", "scope"),
    [
        (AuthenticationFailed(), "store"),
        (PermissionDenied(), "store"),
        (RateLimited(), "store"),
        (ServerError(), "transient"),
        (NetworkError(), "transient"),
        (NotFound(), "record"),
        (ValidationFailed(), "record"),
        (MappingError("invalidRecord", "bad"), "record"),
        (KeyError("sku"), "unknown"),
    ],
)
def test_each_error_says_whose_failure_it_is(error: Exception, scope: str) -> None:
    assert failure_scope(error) == scope


def test_a_store_wide_error_and_our_own_bugs_are_raised_at_once() -> None:
    streak = FailureStreak(limit=3)
    with pytest.raises(AuthenticationFailed):
        streak.failed("a", AuthenticationFailed())
    with pytest.raises(KeyError):
        streak.failed("a", KeyError("sku"))


def test_different_records_failing_in_a_row_mean_the_store_is_down() -> None:
    streak = FailureStreak(limit=3)
    streak.failed("a", ServerError())
    streak.failed("a", ServerError())  # the same record twice is still one record
    streak.failed("b", NetworkError())
    with pytest.raises(StoreUnavailable, match="3 different records failed in a row"):
        streak.failed("c", ServerError())


def test_a_success_in_between_starts_the_streak_again() -> None:
    streak = FailureStreak(limit=2)
    for key in "abcdef":
        streak.failed(key, ServerError())
        streak.succeeded()


def test_refused_data_never_counts_as_an_outage() -> None:
    streak = FailureStreak(limit=2)
    for key in "abcdefgh":
        streak.failed(key, ValidationFailed())
    streak.failed("x", ServerError())  # the first transient failure of the streak
