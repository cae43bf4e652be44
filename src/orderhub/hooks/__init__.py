"""Inbound webhooks: a store's deliveries become inbox rows and due flows (`receiver`), and
the process that runs flows hears of them at once (`wakers`)."""

from orderhub.hooks.debounce import Debounce
from orderhub.hooks.receiver import MAX_BODY_BYTES, HookReceiver, Waker
from orderhub.hooks.wakers import QueueWake, SchedulerWake

__all__ = [
    "MAX_BODY_BYTES",
    "Debounce",
    "HookReceiver",
    "QueueWake",
    "SchedulerWake",
    "Waker",
]
