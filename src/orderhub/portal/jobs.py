"""Long work started from the portal (sync now, backfill, retry), run outside the request.

"Sync now" hands the flow to the embedded scheduler when the app has one (`trigger`: the flow's
next run becomes now, and the scheduler's own thread pool runs it); without a scheduler (e.g.
`serve --no-scheduler`, tests) and for retries, a thread calls the runner
(`orderhub.background`, as the API's 202s do). Either way the
request returns at once with a job id, and the job page polls `JobBoard.view` for progress:

- a thread job reports the flow's progress callbacks (fetched, created, updated, failed) live;
- a scheduler job is matched to the first run of that flow that started after the request, and
  while it runs, the records it has written so far are counted from the change feed.

Front ends are stateless (several `serve --no-scheduler` behind a load balancer): the job page
may be asked of another process than the one that started the job. A job of one flow (sync
now, retry of one exception) therefore has an id that says what it is —
`<kind>~<integration>~<flow>~<requested at, epoch ms>~<nonce>` — and a process that does not
hold the job builds its page from the run history, as for a scheduler job. "Retry all" may
start several runs; it is followed only by its own process.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from orderhub.background import BackgroundWork
from orderhub.domain import FlowName, Run, RunStatus, VerificationStatus
from orderhub.engine import EmbeddedScheduler, FlowRunner
from orderhub.errors import HubError
from orderhub.hub import Hub
from orderhub.services.exceptions import RetryScope, retry_exceptions
from orderhub.services.sync import Waker, request_runs
from orderhub.services.verification import Verifier
from orderhub.store import exceptions as exception_store
from orderhub.store import runs as run_store
from orderhub.store.feed import changes_written_by_run

__all__ = ["Job", "JobBoard", "JobView"]

JobState = Literal["queued", "running", "done", "failed"]
JobKind = Literal["sync", "retry"]
_KEPT_JOBS = 200
_SCHEDULER_SLACK = timedelta(milliseconds=5)


@dataclass
class Job:
    job_id: str
    title: str
    integration_id: str | None
    flow: FlowName | None
    requested_at: datetime
    mode: Literal["scheduler", "thread"]
    state: JobState = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    message: str | None = None
    back_url: str = "/"
    lines: list[str] = field(default_factory=list)
    """What the job found, one line each (a verification's summaries and gaps)."""


@dataclass(frozen=True)
class JobView:
    job: Job
    state: JobState
    progress: dict[str, Any]
    runs: list[Run]
    message: str | None
    lines: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class JobBoard:
    """The jobs of this process (the last 200), and the way each one is run."""

    def __init__(
        self,
        hub: Hub,
        *,
        scheduler: EmbeddedScheduler | None = None,
        waker: Waker | None = None,
        background: BackgroundWork | None = None,
    ) -> None:
        self._hub = hub
        self._background = background or BackgroundWork()
        self._scheduler = scheduler
        self._waker = waker
        self._runner: FlowRunner = hub.runner()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._verifier_made: Verifier | None = None

    @property
    def background(self) -> BackgroundWork:
        """The threads of this board's jobs (`wait` for them in tests and at shutdown)."""
        return self._background

    @property
    def uses_scheduler(self) -> bool:
        return self._scheduler is not None

    def sync(self, integration_id: str, flow: FlowName, *, title: str, back_url: str) -> Job:
        """Run the flow now: asked of the scheduler or the workers (the trigger webhooks use,
        `services.sync`), and followed in the run history; else on a thread of this process."""
        if self._scheduler is not None or self._waker is not None:
            job = self._new(title, integration_id, flow, "scheduler", back_url)
            request_runs(
                self._hub, integration_id, [flow], scheduler=self._scheduler, waker=self._waker
            )
            return job
        job = self._new(title, integration_id, flow, "thread", back_url)
        self._start(
            job,
            lambda progress: [
                self._runner.run_flow(integration_id, flow, trigger="manual", progress=progress)
            ],
        )
        return job

    def retry(self, exception_id: str, *, title: str, back_url: str) -> Job:
        with self._hub.db.read_session() as session:
            item = exception_store.get_exception(session, exception_id)
        if item is None:  # the runner's refusal becomes the job's message
            job = self._new(title, None, None, "thread", back_url)
        else:
            job = self._new(title, item.integration, item.flow, "thread", back_url, kind="retry")
        self._start(job, lambda _progress: [self._runner.retry_exception(exception_id)])
        return job

    def verify(self, integration_id: str, *, title: str, back_url: str) -> Job:
        """Verify the integration's pull flows on a thread; the job's lines say what it found."""
        job = self._new(title, integration_id, None, "thread", back_url)

        def work(progress: Callable[[dict[str, Any]], None]) -> list[Run]:
            found = self._verifier().verify(integration_id, trigger="portal", progress=progress)
            lines = [line for v in found for line in (v.summary, *_indented(v.gap_lines()))]
            with self._lock:
                job.lines = lines or ["No pull flow is on: nothing to verify."]
                if any(v.status is VerificationStatus.FAILED for v in found):
                    job.message = "A check could not finish; see its line below."
            return []

        self._start(job, work, nothing_message=None)
        return job

    def retry_group(self, scope: RetryScope, flow: FlowName, *, title: str, back_url: str) -> Job:
        """One retry run of a flow: it retries now the open exceptions `scope` takes (the
        flow's, or one reason's of it); the flow's others only when they are due."""
        job = self._new(title, scope.integration_id, flow, "thread", back_url, kind="retry")
        self._start(job, lambda _progress: retry_exceptions(self._runner, scope))
        return job

    def retry_all(self, *, title: str, back_url: str) -> Job:
        job = self._new(title, None, None, "thread", back_url)
        self._start(job, lambda _progress: self._runner.retry_all())
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def view(self, job_id: str) -> JobView | None:
        job = self.get(job_id)
        if job is None:
            job = _flow_job_from_id(job_id)
            if job is None:
                return None
            return self._scheduler_view(job)
        if job.mode == "scheduler":
            return self._scheduler_view(job)
        with self._lock:
            return JobView(
                job, job.state, dict(job.progress), list(job.runs), job.message, list(job.lines)
            )

    # -- internals -------------------------------------------------------------------------

    def _verifier(self) -> Verifier:
        with self._lock:
            if self._verifier_made is None:
                self._verifier_made = Verifier.for_hub(self._hub, runner=self._runner)
            return self._verifier_made

    def _new(
        self,
        title: str,
        integration_id: str | None,
        flow: FlowName | None,
        mode: Literal["scheduler", "thread"],
        back_url: str,
        *,
        kind: JobKind = "sync",
    ) -> Job:
        requested_at = self._hub.clock.now()
        job = Job(
            job_id=_job_id(kind, integration_id, flow, requested_at),
            title=title,
            integration_id=integration_id,
            flow=flow,
            requested_at=requested_at,
            mode=mode,
            back_url=back_url,
        )
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > _KEPT_JOBS:
                self._jobs.popitem(last=False)
        return job

    def _start(
        self,
        job: Job,
        work: Callable[[Callable[[dict[str, Any]], None]], list[Run]],
        *,
        nothing_message: str | None = "Nothing to retry: no open exceptions.",
    ) -> None:
        def progress(update: dict[str, Any]) -> None:
            with self._lock:
                job.progress.update(update)

        def main() -> None:
            with self._lock:
                job.state = "running"
            try:
                runs = work(progress)
            except HubError as refused:
                with self._lock:
                    job.state, job.message = "failed", str(refused)
                return
            except Exception as problem:  # never let a thread die silently
                with self._lock:
                    job.state = "failed"
                    job.message = f"{type(problem).__name__}: {problem}"
                return
            with self._lock:
                job.runs = runs
                failed = [run for run in runs if run.status is RunStatus.FAILED]
                job.state = "failed" if failed else "done"
                if failed:
                    job.message = failed[0].error
                elif not runs and nothing_message is not None:
                    job.message = nothing_message

        self._background.start(f"portal-job-{job.job_id}", main)

    def _scheduler_view(self, job: Job) -> JobView:
        assert job.integration_id is not None
        assert job.flow is not None
        since = job.requested_at - _SCHEDULER_SLACK
        with self._hub.db.read_session() as session:
            recent = run_store.list_runs(
                session, integration_id=job.integration_id, flow=job.flow, limit=20
            )
            ours = [run for run in recent if run.started_at >= since]
            run = ours[-1] if ours else None
            written = 0
            if run is not None and run.status is RunStatus.RUNNING:
                written = changes_written_by_run(session, run.run_id)
        if run is None:
            return JobView(job, "queued", {}, [], "Waiting for the scheduler to start the run…")
        if run.status is RunStatus.RUNNING:
            return JobView(job, "running", {"written": written}, [run], None)
        state: JobState = "failed" if run.status is RunStatus.FAILED else "done"
        return JobView(job, state, {}, [run], run.error)


def _indented(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]


_ID_SEPARATOR = "~"


_TITLES: dict[str, str] = {"sync": "Sync now", "retry": "Retry"}


def _job_id(
    kind: JobKind, integration_id: str | None, flow: FlowName | None, requested_at: datetime
) -> str:
    if integration_id is None or flow is None:
        return secrets.token_hex(8)
    millis = str(int(requested_at.timestamp() * 1000))
    nonce = secrets.token_hex(4)
    return _ID_SEPARATOR.join((kind, integration_id, flow.value, millis, nonce))


def _flow_job_from_id(job_id: str) -> Job | None:
    """A one-flow job another process started, rebuilt from its id (None: not such an id)."""
    parts = job_id.split(_ID_SEPARATOR)
    if len(parts) != 5 or parts[0] not in _TITLES:
        return None
    kind, integration_id, flow_value, millis, _nonce = parts
    try:
        flow = FlowName(flow_value)
        requested_at = datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return Job(
        job_id=job_id,
        title=f"{_TITLES[kind]}: {flow.label}",
        integration_id=integration_id,
        flow=flow,
        requested_at=requested_at,
        mode="scheduler",
        back_url="/exceptions" if kind == "retry" else f"/integrations/{integration_id}",
    )
