"""`newsdesk api`: the Flask app under gunicorn, configured from Newsdesk's settings.

gunicorn is driven programmatically (no gunicorn.conf.py to keep in step with
the settings table). The `gthread` worker class because a long-poll
(`?wait=N`) holds a thread for up to N seconds: threads are cheap, processes
are not. This module never imports spaCy: the web tier does not need it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from newsdesk import logs
from newsdesk.settings import Config


class JsonLogger(glogging.Logger):
    """gunicorn's logger, but every line goes through Newsdesk's JSON handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn installs plain-text handlers and stops propagation; undo both so the
        # root JSON handler set by newsdesk.logs.configure() formats everything.
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen_address(config: Config) -> str:
    if config.listen_fd is not None:
        return f"fd://{config.listen_fd}"
    return bind_address(config.host, config.port)


def gunicorn_settings(config: Config) -> dict[str, Any]:
    return {
        "bind": [listen_address(config)],
        "workers": config.api_processes,
        "worker_class": "gthread",
        "threads": config.api_threads,
        # A request in flight may be a long-poll of up to max_wait seconds: let it end.
        "graceful_timeout": config.max_wait + 5,
        "timeout": 30,
        "keepalive": 5,
        "proc_name": "newsdesk-api",
        "logger_class": JsonLogger,
        "loglevel": config.log_level.lower(),
        "errorlog": "-",
        # No gunicorn access log: the app logs each request itself, with its request id.
        "accesslog": None,
        # Several gunicorns on one machine (tests, serve) must not fight over one socket file.
        "control_socket_disable": True,
        # /metrics sums every API process's counters (prometheus-client multiprocess mode).
        "on_starting": _wipe_metrics,
        "child_exit": _forget_process,
        "on_exit": _remove_own_metrics,
    }


# The metrics folder `newsdesk api` made itself (None when PROMETHEUS_MULTIPROC_DIR was given).
_OWN_METRICS_DIR: str | None = None


def _wipe_metrics(server: Any) -> None:
    # Left over from an earlier run, these files would add old counts to new ones.
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))


def _remove_own_metrics(server: Any) -> None:
    # gunicorn calls this in the master only, once every API process has exited.
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)


def _forget_process(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class NewsdeskApi(BaseApplication):
    def __init__(self, config: Config) -> None:
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings  # older gunicorns lack some settings (e.g. the control socket)
        for key, value in gunicorn_settings(self.config).items():
            if key in known:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from service.app import create_app

        return create_app(self.config)


def run_api(config: Config) -> None:
    """Serve until SIGTERM (graceful) or SIGINT (quick); gunicorn exits the process."""
    logs.configure(config.log_level)
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Set before gunicorn forks, so every API process writes to the same folder.
        global _OWN_METRICS_DIR
        _OWN_METRICS_DIR = tempfile.mkdtemp(prefix="newsdesk-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR
    logging.getLogger("newsdesk.api").info(
        "api starting",
        extra={
            "bind": listen_address(config),
            "processes": config.api_processes,
            "threads": config.api_threads,
            "pid": os.getpid(),
        },
    )
    NewsdeskApi(config).run()
