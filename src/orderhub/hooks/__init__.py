"""Inbound webhooks: Cart.com's deliveries become inbox rows and due flows (`receiver`), and
the process that runs flows hears of them at once (`wakers`)."""

from orderhub.hooks.receiver import (
    DEFAULT_DEBOUNCE_SECONDS,
    MAX_BODY_BYTES,
    CartcomHookReceiver,
    Waker,
)
from orderhub.hooks.wakers import QueueWake, SchedulerWake

__all__ = [
    "DEFAULT_DEBOUNCE_SECONDS",
    "MAX_BODY_BYTES",
    "CartcomHookReceiver",
    "QueueWake",
    "SchedulerWake",
    "Waker",
]
