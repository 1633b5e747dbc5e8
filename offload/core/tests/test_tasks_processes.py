"""Real worker processes against a real database (see live.py), one of them killed mid-task."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from offload.core.tests.live import OFFLOAD, django, live_env, wait_for  # noqa: F401  (live_env is a fixture)

pytestmark = pytest.mark.slow

FAST_WORKER = [
    "worker",
    "--skip-checks",
    "--no-startup-delay",
    "--interval",
    "0.1",
    "--heartbeat-interval",
    "0.3",
    "--stale-after",
    "1.5",
]


TASK_STATE = """
from django_tasks_db.models import DBTaskResult
from offload.core.tasks.models import TaskAttempt, WorkerHeartbeat
r = DBTaskResult.objects.get()
print(json.dumps({
    "status": r.status,
    "worker_ids": r.worker_ids,
    "attempt_log": [[a.number, a.outcome, a.worker_id] for a in TaskAttempt.objects.order_by("number")],
    "heartbeats": sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True)),
}))
"""


def start_worker(env: dict[str, str], worker_id: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [OFFLOAD, *FAST_WORKER, "--worker-id", worker_id],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_task_of_a_killed_worker_completes_exactly_once_on_another_worker(live_env, tmp_path):  # noqa: F811
    """SIGKILL a worker mid-task: a surviving worker picks the task up and it completes exactly once."""
    work = tmp_path / "work"
    work.mkdir()
    django(
        live_env,
        "from offload.core.tests.tasks_for_tests import append_when_released\n"
        f"print(json.dumps(append_when_released.enqueue({str(work)!r}).id))",
    )
    first = start_worker(live_env, "worker-a", tmp_path / "a.log")
    survivors: list[subprocess.Popen] = []
    try:
        wait_for((work / "started-1").exists, timeout=60, what="worker-a to start the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert django(live_env, TASK_STATE)["status"] == "RUNNING"  # nobody is left to finish it

        # Two fresh workers race for the abandoned task; only one may run it.
        survivors = [start_worker(live_env, wid, tmp_path / f"{wid}.log") for wid in ("worker-b", "worker-c")]
        wait_for((work / "started-2").exists, timeout=60, what="the task to be picked up again")
        (work / "release").touch()
        wait_for((work / "completions").exists, timeout=30, what="the task to complete")

        def succeeded() -> bool:
            return django(live_env, TASK_STATE)["status"] == "SUCCESSFUL"

        wait_for(succeeded, timeout=30, what="the task to be recorded as successful")
        time.sleep(2)  # more than a staleness period: a duplicate run would show up now
        state = django(live_env, TASK_STATE)
    finally:
        for process in [first, *survivors]:
            if process.poll() is None:
                process.terminate()
        exit_codes = [process.wait(timeout=20) for process in survivors]

    lines = (work / "completions").read_text().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("attempt 2")
    assert not (work / "started-3").exists()
    assert state["status"] == "SUCCESSFUL"
    assert state["worker_ids"][0] == "worker-a"
    assert state["worker_ids"][1] in {"worker-b", "worker-c"}
    assert len(state["worker_ids"]) == 2
    assert state["attempt_log"] == [[1, "worker_lost", "worker-a"]]
    # The survivors stop cleanly on SIGTERM and take their heartbeats with them.
    assert exit_codes == [0, 0]
    assert django(live_env, TASK_STATE)["heartbeats"] == ["worker-a"]


def test_second_scheduler_waits_on_standby_and_takes_over_when_the_first_stops(live_env, tmp_path):  # noqa: F811
    """Two schedulers never run at once: the second waits on standby, then takes over the lease."""
    env = {**live_env, "PYTHONUNBUFFERED": "1"}
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    def start(log: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [OFFLOAD, "scheduler", "--skip-checks"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )

    first = start(logs[0])
    second = None
    try:
        wait_for(lambda: "Starting scheduler" in logs[0].read_text(), timeout=60, what="the first scheduler")
        second = start(logs[1])
        wait_for(lambda: "standby" in logs[1].read_text(), timeout=60, what="the second to stand by")
        time.sleep(1)
        assert "Starting scheduler" not in logs[1].read_text()

        first.terminate()
        assert first.wait(timeout=30) == 0
        wait_for(lambda: "Starting scheduler" in logs[1].read_text(), timeout=30, what="the takeover")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    assert second.returncode == 0
