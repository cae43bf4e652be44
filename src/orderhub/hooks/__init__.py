"""Inbound webhooks: Cart.com's deliveries become inbox rows and due flows (`receiver`), and
the process that runs flows hears of them at once (`wakers`)."""

from orderhub.hooks.debounce import Debounce
from orderhub.hooks.receiver import MAX_BODY_BYTES, CartcomHookReceiver, Waker
from orderhub.hooks.wakers import QueueWake, SchedulerWake

__all__ = [
    "MAX_BODY_BYTES",
    "CartcomHookReceiver",
    "Debounce",
    "QueueWake",
    "SchedulerWake",
    "Waker",
]
