"""`orderhub.engine` names each part of the engine, and imports a part when it is first used."""

from __future__ import annotations

import pytest

import orderhub.engine as engine
from orderhub.engine.registry import FlowRegistry
from orderhub.engine.runner import FlowRunner


@pytest.mark.parametrize("name", engine.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(engine, name) is not None


def test_a_name_is_its_module_s_object() -> None:
    assert engine.FlowRegistry is FlowRegistry
    assert engine.FlowRunner is FlowRunner


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = engine.Nope
