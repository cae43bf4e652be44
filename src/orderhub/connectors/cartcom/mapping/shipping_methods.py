"""A hub fulfillment's carrier and service → one of the store's Cart.com shipping methods.

Pure: fulfillments.push reads the store's `shipping_providers`, `shipping_provider_services`
and `custom_shipping_methods` once (a `MethodBook`, cached a few minutes per process) and the
integration's own mappings (`ShippingMethodMapping`), and asks `resolve` per fulfillment.
Cart.com's own example for making a shipment (API-NOTES §16) looks a method up the same way:
a provider service by its identifier, else a custom method by name.

Rules, in order (names are compared folded: case, spaces and punctuation ignored):
1. Neither carrier nor service: no method is set (Cart.com's defaults stay).
2. A mapping for this carrier and service, else one for the carrier alone, names the method.
3. The carrier is a provider (its name or code, e.g. "UPS", "FedEx"/"FEDEX"): its enabled
   service whose name, identifier or name without the carrier ("Ground" for "UPS Ground") is
   the service; with no service, the one the customer chose at checkout if it is the
   carrier's, else the carrier's only enabled service, else the carrier alone (kind
   `carrier`: the shipment names its provider and no method, since the fulfillment says no
   more; a mapping without a service picks one).
4. Otherwise an enabled custom method named like the service, else like the carrier
   ("Local Pickup").
Anything else is a `MappingError` (`noShippingMethod`) that says which mapping to add: never a
shipment with a blank or guessed method.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.common import MappingError, plain_id
from orderhub.domain.shipping_method import ShippingMethodMapping, match_key

__all__ = [
    "NO_SHIPPING_METHOD",
    "MethodBook",
    "ShippingMethod",
    "method_fields",
    "resolve",
]

NO_SHIPPING_METHOD: Final = "noShippingMethod"
"""Exception tag: a fulfillment's carrier/service matches no method of the store."""


@dataclass(frozen=True)
class ShippingMethod:
    """One method a shipment can name: a provider's service or a custom method."""

    kind: str  # "provider" | "custom" (Cart.com's shipping_method_type) | "carrier" (no method)
    id: int
    name: str
    identifier: str = ""
    provider: str = ""
    provider_code: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class MethodBook:
    """A store's shipping methods (services and custom methods, enabled or not)."""

    methods: tuple[ShippingMethod, ...]

    @classmethod
    def from_records(
        cls,
        providers: Iterable[Mapping[str, Any]],
        services: Iterable[Mapping[str, Any]],
        custom: Iterable[Mapping[str, Any]],
    ) -> MethodBook:
        """From the three list answers; records without an id or a name are skipped."""
        by_id = {plain_id(p.get("id")): p for p in providers}
        methods: list[ShippingMethod] = []
        for service in services:
            sid, name = plain_id(service.get("id")), _text(service.get("name"))
            if sid is None or not name:
                continue
            provider = by_id.get(plain_id(service.get("shipping_provider_id"))) or {}
            methods.append(
                ShippingMethod(
                    kind="provider",
                    id=sid,
                    name=name,
                    identifier=_text(service.get("identifier")),
                    provider=_text(provider.get("name")),
                    provider_code=_text(service.get("shipping_provider_code"))
                    or _text(provider.get("provider_code")),
                    enabled=service.get("is_enabled") is not False
                    and provider.get("is_enabled") is not False,
                )
            )
        for method in custom:
            mid, name = plain_id(method.get("id")), _text(method.get("name"))
            if mid is not None and name:
                methods.append(
                    ShippingMethod(
                        "custom", mid, name, enabled=method.get("is_enabled") is not False
                    )
                )
        return cls(tuple(methods))

    def enabled(self) -> list[ShippingMethod]:
        return [m for m in self.methods if m.enabled]

    def by_name(self, name: str) -> ShippingMethod | None:
        """The enabled method with this name (services before custom methods), or None."""
        key = match_key(name)
        return next((m for m in self.enabled() if match_key(m.name) == key), None)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def method_fields(method: ShippingMethod) -> dict[str, Any]:
    """The `order_shipments` fields that name `method`."""
    if method.kind == "carrier":
        return {"shipping_provider_name": method.provider}
    fields: dict[str, Any] = {
        "shipping_method": method.name,
        "shipping_method_id": method.id,
        "shipping_method_type": method.kind,
    }
    if method.kind == "provider" and method.provider:
        fields["shipping_provider_name"] = method.provider
    return fields


def resolve(
    book: MethodBook,
    carrier: str | None,
    service: str | None,
    *,
    overrides: Sequence[ShippingMethodMapping] = (),
    chosen: Sequence[str | None] = (),
    integration_id: str = "ID",
) -> ShippingMethod | None:
    """The method for a fulfillment's `carrier` and `service` (module docstring), or None
    when it names neither. `chosen`: the order's method name and code from checkout.

    Raises `MappingError(noShippingMethod)` with the mapping command to add.
    """
    carrier, service = _text(carrier), _text(service)
    if not carrier and not service:
        return None
    override = _override(overrides, carrier, service)
    if override is not None:
        method = book.by_name(override.method)
        if method is None:
            raise MappingError(
                NO_SHIPPING_METHOD,
                f"the mapping for carrier {carrier!r} service {service or '(any)'!r} names "
                f"{override.method!r}, which is not an enabled Cart.com shipping method of this "
                f"store (its methods: {_menu(book)})",
            )
        return method
    found = _automatic(book, carrier, service, chosen)
    if found is not None:
        return found
    raise MappingError(NO_SHIPPING_METHOD, _advice(book, carrier, service, integration_id))


def _override(
    overrides: Sequence[ShippingMethodMapping], carrier: str, service: str
) -> ShippingMethodMapping | None:
    ckey, skey = match_key(carrier), match_key(service)
    exact = [o for o in overrides if match_key(o.carrier) == ckey]
    return next((o for o in exact if match_key(o.service) == skey), None) or next(
        (o for o in exact if not match_key(o.service)), None
    )


def _automatic(
    book: MethodBook, carrier: str, service: str, chosen: Sequence[str | None]
) -> ShippingMethod | None:
    ckey, skey = match_key(carrier), match_key(service)
    enabled = book.enabled()
    services = [
        m
        for m in enabled
        if m.kind == "provider"
        and ckey
        and ckey in (match_key(m.provider), match_key(m.provider_code))
    ]
    if services:
        if skey:
            hits = [m for m in services if skey in _service_keys(m)]
            return hits[0] if len(hits) == 1 else None
        picked = {match_key(c) for c in chosen if c}
        hits = [m for m in services if picked & {match_key(m.name), match_key(m.identifier)}]
        if len(hits) == 1:
            return hits[0]
        if len(services) == 1:
            return services[0]
        first = services[0]
        return ShippingMethod("carrier", 0, "", provider=first.provider or first.provider_code)
    custom = [m for m in enabled if m.kind == "custom"]
    for key in (skey, ckey):
        hits = [m for m in custom if key and match_key(m.name) == key]
        if len(hits) == 1:
            return hits[0]
    return None


def _service_keys(method: ShippingMethod) -> set[str]:
    name = match_key(method.name)
    keys = {name, match_key(method.identifier)}
    for prefix in (match_key(method.provider), match_key(method.provider_code)):
        if prefix and name.startswith(prefix) and len(name) > len(prefix):
            keys.add(name[len(prefix) :])
    keys.discard("")
    return keys


def _menu(book: MethodBook) -> str:
    names = [m.name for m in book.enabled()]
    return ", ".join(names) if names else "(the store has no enabled method)"


def _advice(book: MethodBook, carrier: str, service: str, integration_id: str) -> str:
    command = ["orderhub", "integrations", "shipping-methods", "set", integration_id]
    command += ["--carrier", carrier]
    if service:
        command += ["--service", service]
    shown = " ".join(shlex.quote(part) for part in command) + " --method METHOD"
    return (
        f"no Cart.com shipping method matches carrier {carrier or '(none)'!r} service "
        f"{service or '(none)'!r} — add a mapping: {shown} (METHOD one of the store's "
        f"methods: {_menu(book)})"
    )
