"""A real worker (issue 19): the request id of the request that sent a task is on the task's
log line in the worker, and the worker serves its metrics, its pool processes' added up."""

from __future__ import annotations

import json
import socket
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from proposals.models import Notification
from tests.worker.conftest import wait_for

REQUEST_ID = "7d1c0b7e-96f1-4a45-8f0e-2b8a5c3d9e10"
TASK = "proposals.tasks.notification_send_task"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def _succeeded(port: int) -> float:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as answer:
        text = answer.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "skillsmatrix_celery_tasks_total" and sample.labels == {
                "task": TASK,
                "outcome": "succeeded",
            }:
                return float(sample.value)
    return 0.0


def test_a_task_sent_by_a_request_logs_its_request_id_in_the_worker(
    broker_url, start_worker, sending_to, proposal, client, author, tmp_path
):
    port = _free_port()
    metrics_dir = tmp_path / "worker-metrics"
    worker = start_worker(
        broker_url,
        CELERY_METRICS_PORT=str(port),
        CELERY_METRICS_ADDRESS="127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        LOG_FORMAT="json",
    )
    sending_to(broker_url)
    client.force_login(author)

    response = client.post(f"/proposals/{proposal.pk}/withdraw/", HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 303
    row = Notification.objects.get(proposal=proposal)
    wait_for(
        lambda: Notification.objects.filter(pk=row.pk, state="sent").exists(), what="the email"
    )
    task_lines = wait_for(
        lambda: [
            line
            for line in _json_lines(worker.log_text())
            if line.get("logger") == "skillsmatrix.task" and line.get("task") == TASK
        ],
        what="the task's log line",
    )
    assert [line["request_id"] for line in task_lines] == [REQUEST_ID]
    assert task_lines[0]["outcome"] == "succeeded"
    # Celery's own lines of the run (in the pool process) carry it too.
    done = [
        line
        for line in _json_lines(worker.log_text())
        if "succeeded in" in line.get("message", "") and TASK in line["message"]
    ]
    assert [line["request_id"] for line in done] == [REQUEST_ID]

    # The pool process ran the task; the worker's main process serves its count.
    assert wait_for(lambda: _succeeded(port) == 1, what="the worker's metrics")
