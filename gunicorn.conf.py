"""gunicorn's settings wherever the site is served: gunicorn reads ``./gunicorn.conf.py`` from the
directory it starts in (the image's ``/app``, compose's, CI's and the tests' checkout), and
options on its command line (``--bind``, ``--workers``) still win.

It also keeps the books of Prometheus' multiprocess mode (docs/observability.md): with
``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to files there and a scrape adds
them up, so the directory starts empty (a previous run's counts would be added in) and a worker
that exits has its live gauges forgotten. Without it, those hooks do nothing."""

from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi

# The longest request line (method, path and query, version) gunicorn takes: its default, stated
# because the API documents it (skillsmatrix.schema). A longer one is refused by gunicorn itself
# with 414 and a small HTML page, before Django sees it, so it cannot be a JSON answer.
limit_request_line = 4094

# No ``Server: gunicorn`` banner: it only tells a scanner which server (and its bugs) to try.
# gunicorn has no setting for it; its responses write the header in ``default_headers``, so that
# method is wrapped to leave it out (once, however often the file is read: on a reload too).
if not getattr(wsgi.Response.default_headers, "without_server", False):
    _default_headers = wsgi.Response.default_headers

    def _default_headers_without_server(self: wsgi.Response) -> list[str]:
        return [h for h in _default_headers(self) if not h.lower().startswith("server:")]

    _default_headers_without_server.without_server = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = _default_headers_without_server


def on_starting(server: Any) -> None:
    from skillsmatrix.metrics import multiprocess_dir_empty

    multiprocess_dir_empty()


def child_exit(server: Any, worker: Any) -> None:
    from skillsmatrix.metrics import process_dead

    process_dead(worker.pid)
