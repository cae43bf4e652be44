"""A sandbox that names no plan is on a real one (steel): it reports 5 calls per window and
answers 429 past them. `unlimited` only when asked for (in process, fake clock)."""

from __future__ import annotations

import inspect

from cartcom_sandbox_support import START, client_for

from orderhub.cli.demo_cmd import demo
from orderhub.cli.sandbox_cmd import sandbox_command
from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.connectors.cartcom.sandbox.ratelimit import DEFAULT_PLAN, PLAN_LIMITS


def test_a_sandbox_without_a_plan_limits_like_steel() -> None:
    clock = FakeClock(START)
    sb = Sandbox(SandboxConfig(seed=2, orders=5, products=5, clock=clock))
    with client_for(sb) as client:
        answers = [client.get("order_statuses") for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert answers[0].headers["X-AC-Call-Limit"] == "1/5"
        assert int(answers[5].headers["Retry-After"]) == 10
        clock.advance(10)
        assert client.get("order_statuses").status_code == 200


def test_unlimited_is_only_what_is_asked_for() -> None:
    assert DEFAULT_PLAN == "steel"
    assert PLAN_LIMITS[DEFAULT_PLAN] is not None
    sb = Sandbox(SandboxConfig(seed=2, orders=5, products=5, plan="unlimited"))
    with client_for(sb) as client:
        answers = [client.get("order_statuses") for _ in range(60)]
    assert {a.status_code for a in answers} == {200}
    assert answers[-1].headers["X-AC-Call-Limit"] == "60/10000"


def _default(command: object, name: str) -> object:
    value = inspect.signature(command).parameters[name].default  # type: ignore[arg-type]
    return getattr(value, "default", value)


def test_the_commands_default_to_real_plans() -> None:
    assert _default(sandbox_command, "plan") == DEFAULT_PLAN
    demo_plan = _default(demo, "plan")
    assert demo_plan in PLAN_LIMITS
    assert PLAN_LIMITS[demo_plan] is not None
