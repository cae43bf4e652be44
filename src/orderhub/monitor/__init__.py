"""Running the hub unattended: health probes, Prometheus metrics and who may read them.

- `health` — `/healthz` (the process answers) and `/readyz` (database reachable and at the
  head migration; for workers, the job queue too).
- `metrics` — counters a process keeps of what it did (runs, records, store calls).
- `budget_reports` — the call budget each store reported, kept in the database for the
  dashboard.
- `collector` — gauges read from the database at scrape time (open exceptions, lags).
- `access` — who may read `/metrics`.
- `app` — the small ASGI app that answers those three paths, in every process type.
"""

from orderhub.monitor.health import Readiness, check_readiness

__all__ = ["Readiness", "check_readiness"]
