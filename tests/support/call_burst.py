"""One process calling one sandbox store as fast as its call budget allows (a test's helper).

Run as a script by tests/connectors/cartcom/client/test_shared_limiter.py: several of these at
once share (or not) one store's budget. Prints one JSON line: calls made, seconds taken from
the common start, seconds held back by the limiter.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.ratelimit import CallBudget, CallLimiter
from orderhub.connectors.cartcom.shared_limiter import SharedCallLimiter
from orderhub.store.database import Database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--start-at", type=float, required=True, help="epoch seconds")
    parser.add_argument("--window", type=float, required=True)
    parser.add_argument("--margin", type=float, required=True)
    parser.add_argument("--scope", choices=["database", "process"], required=True)
    args = parser.parse_args()

    db = Database.from_url(args.database_url, migrate=False)
    limiter: CallBudget
    if args.scope == "database":
        limiter = SharedCallLimiter(db, args.api_url, window=args.window, margin=args.margin)
    else:
        limiter = CallLimiter(window=args.window, margin=args.margin)
    with httpx.Client(timeout=30) as http:
        client = CartcomClient(args.api_url, args.token, http=http, limiter=limiter)
        time.sleep(max(0.0, args.start_at - time.time()))
        for _ in range(args.calls):
            client.get("/order_statuses", params={"count": "1"})
        elapsed = time.time() - args.start_at
    db.dispose()
    print(
        json.dumps(
            {"calls": client.calls, "seconds": elapsed, "waited": client.rate_limit_wait_seconds}
        )
    )


if __name__ == "__main__":
    main()
