"""The per-process memory of verified API keys: a second's life, forgotten on revocation."""

from __future__ import annotations

from orderhub.verified_keys import VerifiedKeys


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_its_ttl_and_forget_all_drops_every_entry() -> None:
    clock = _Clock()
    keys: VerifiedKeys[str] = VerifiedKeys(ttl=1.0, monotonic=clock)
    keys.put("digest-a", "key a")
    clock.now += 0.9
    assert keys.get("digest-a") == "key a"
    clock.now += 0.2
    assert keys.get("digest-a") is None
    keys.put("digest-b", "key b")
    keys.forget_all()
    assert keys.get("digest-b") is None


def test_it_never_holds_more_than_its_bound() -> None:
    keys: VerifiedKeys[int] = VerifiedKeys(max_entries=3)
    for n in range(10):
        keys.put(f"digest-{n}", n)
    assert keys.get("digest-9") == 9
    assert sum(keys.get(f"digest-{n}") is not None for n in range(10)) <= 3
