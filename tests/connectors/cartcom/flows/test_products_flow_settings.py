"""The products flows' settings and cursors: checked once per run, saved as plain JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from orderhub.connectors.cartcom.flows.products_push import CREATING, PushSettings
from orderhub.engine import FeedCursor, PullCursor, UpdatedCursor
from orderhub.errors import UsageError

T = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def test_push_settings_read_default_ids_and_field_owners() -> None:
    settings = PushSettings.from_settings(
        {
            "productsDefaultStatusId": 1,
            "productsDefaultCategoryId": 7,
            "productFieldOwner": {"price": "cartcom", "name": "hub"},
            "somethingElse": True,
        }
    )
    assert (settings.status_id, settings.category_id) == (1, 7)
    assert settings.owners == {"price": "cartcom", "name": "hub"}
    assert PushSettings.from_settings({}) == PushSettings()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"productFieldOwner": ["price"]}, "must be an object"),
        ({"productFieldOwner": {"price": "store"}}, "'price': 'store' is not valid"),
        ({"productFieldOwner": {"images": "hub"}}, "'images': 'hub' is not valid"),
        ({"productsDefaultStatusId": "1"}, "productsDefaultStatusId must be a Cart.com id"),
        ({"productsDefaultCategoryId": 0}, "productsDefaultCategoryId must be a Cart.com id"),
        ({"productsDefaultCategoryId": True}, "productsDefaultCategoryId must be a Cart.com id"),
    ],
)
def test_bad_push_settings_stop_the_run_with_a_clear_line(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        PushSettings.from_settings(values)


@pytest.mark.parametrize(
    ("settings", "detail", "expected"),
    [
        (
            PushSettings(),
            "Validation failed: primary_category_id, product_status_id is required",
            "set the integration settings productsDefaultCategoryId and productsDefaultStatusId",
        ),
        (
            PushSettings(status_id=1),
            "Validation failed: primary_category_id, product_status_id is required",
            "set the integration setting productsDefaultCategoryId (",
        ),
        (PushSettings(), "Validation failed: 'price' must be a number", None),
        (PushSettings(status_id=1, category_id=2), "primary_category_id is required", None),
        (
            PushSettings(status_id=1, category_id=99),
            "Validation failed: primary_category_id 99 does not exist",
            "The integration setting productsDefaultCategoryId is 99, which Cart.com does not have",
        ),
    ],
)
def test_a_refused_create_names_the_settings_to_set(
    settings: PushSettings, detail: str, expected: str | None
) -> None:
    explained = settings.explain_refusal(detail)
    if expected is None:
        assert explained is None
    else:
        assert explained is not None
        assert expected in explained


def test_cursors_survive_a_json_round_trip() -> None:
    push = FeedCursor(42, {CREATING: {"mug-1": T.isoformat()}})
    assert FeedCursor.from_json(push.to_json()) == push
    assert FeedCursor.from_json({"seq": 7}) == FeedCursor(7)
    pull = PullCursor({"products": UpdatedCursor(T, 5), "variant_inventory": UpdatedCursor(T, 9)})
    assert PullCursor.from_json(pull.to_json(), primary="products") == pull
    swept = pull.marked("swept", T)
    assert PullCursor.from_json(swept.to_json(), primary="products") == swept


def test_a_products_cursor_saved_by_an_older_version_is_read_as_it_was() -> None:
    older = {
        "products": UpdatedCursor(T, 5).to_json(),
        "variantInventory": UpdatedCursor(T, 9).to_json(),
        "sweptAt": T.isoformat(),
    }
    assert PullCursor.from_json(older, primary="products") == PullCursor(
        {"products": UpdatedCursor(T, 5), "variant_inventory": UpdatedCursor(T, 9)},
        {"swept": T},
    )
    bare = UpdatedCursor(T, 5).to_json()  # an orders.pull cursor of an older version
    assert PullCursor.from_json(bare, primary="orders") == PullCursor(
        {"orders": UpdatedCursor(T, 5)}
    )
