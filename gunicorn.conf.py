"""gunicorn's configuration, read from the working directory (the image's /app) by every
``gunicorn`` command: the bookkeeping of Prometheus' multiprocess mode (docs/observability.md).

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to files there and a
scrape adds them up: the directory starts empty (a previous run's counts would be added in),
and a worker that exits has its live gauges forgotten. Without it, these hooks do nothing.
"""

from __future__ import annotations

from typing import Any


def on_starting(server: Any) -> None:
    from skillsmatrix.metrics import multiprocess_dir_empty

    multiprocess_dir_empty()


def child_exit(server: Any, worker: Any) -> None:
    from skillsmatrix.metrics import process_dead

    process_dead(worker.pid)
