"""The `newsdesk` command as a person runs it: real subprocesses, real output."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import refused_port
from redis import Redis

from newsdesk.redis_server import RedisServer
from newsdesk.results import ResultSchema

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = [FIXTURES / "cli_ferry_strike.txt", FIXTURES / "cli_library_reopens.txt"]


def newsdesk(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


# --- analyze ----------------------------------------------------------------------


def test_analyze_prints_one_valid_result_per_file_in_order_named_by_its_file() -> None:
    run = newsdesk("analyze", *map(str, ARTICLES))
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [set(line) for line in lines] == [{"source", "result"}] * 2
    assert [line["source"] for line in lines] == [str(path) for path in ARTICLES]
    results = [line["result"] for line in lines]
    for result in results:
        assert ResultSchema().validate(result) == {}
        assert set(result) == {"cleanup", "entities", "quotes", "stats", "warnings"}
    # In the order given: the second file is the shorter one.
    assert results[0]["stats"]["words"] > results[1]["stats"]["words"] > 0
    assert "Traceback" not in run.stderr


def test_analyze_reads_one_article_from_stdin_with_options() -> None:
    text = ARTICLES[1].read_text()
    run = newsdesk("analyze", "-", "--analyses", "stats", "--language", "en", stdin=text)
    assert run.returncode == 0, run.stderr
    [line] = run.stdout.splitlines()
    assert json.loads(line)["source"] == "-"
    result = json.loads(line)["result"]
    assert set(result) == {"stats", "warnings"}
    assert ResultSchema().validate(result) == {}
    assert result["stats"]["language"] == {"code": "en", "confidence": None, "source": "hint"}


def test_analyze_a_missing_file_fails_cleanly_before_any_work(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    run = newsdesk("analyze", str(ARTICLES[0]), str(missing))
    assert run.returncode != 0
    assert run.stdout == ""  # the good file was not analysed first
    assert str(missing) in run.stderr and "no such file" in run.stderr
    assert "Traceback" not in run.stderr


def test_analyze_rejects_an_unknown_analysis() -> None:
    run = newsdesk("analyze", str(ARTICLES[0]), "--analyses", "stats,sentiment")
    assert run.returncode == 2
    assert "sentiment" in run.stderr and "Traceback" not in run.stderr


def test_analyze_help_says_what_a_line_holds() -> None:
    run = newsdesk("analyze", "--help")
    assert run.returncode == 0
    assert '{"source": "FILE", "result": {...}}' in run.stdout


# --- what every command says ------------------------------------------------------------


def test_help_names_everything_newsdesk_does() -> None:
    run = newsdesk("--help")
    assert run.returncode == 0
    description = " ".join(run.stdout.split("positional arguments")[0].split())
    for analysis in ("cleanup", "entities", "quotes", "statistics", "duplicates"):
        assert analysis in description, analysis


@pytest.mark.parametrize(
    ("args", "env", "status", "says"),
    [
        pytest.param(["frob"], {}, 2, "invalid choice: 'frob'", id="unknown-command"),
        pytest.param(
            ["analyze"], {}, 2, "required: FILE (see `newsdesk analyze --help`)", id="no-file"
        ),
        pytest.param(["serve", "--port", "70000"], {}, 2, "out of range: 70000", id="bad-port"),
        pytest.param(["keys", "create"], {}, 2, "see `newsdesk keys create --help`", id="no-name"),
        pytest.param(["openapi"], {"NEWSDESK_PORT": "x"}, 2, "NEWSDESK_PORT", id="bad-setting"),
        pytest.param(
            ["analyze", "{tmp}/nowhere.txt"], {}, 1, "nowhere.txt: no such file", id="missing"
        ),
        pytest.param(["analyze", "-", "-"], {}, 1, "may be given once", id="stdin-twice"),
        pytest.param(
            ["openapi", "-o", "{tmp}/no/such/folder.yaml"], {}, 1, "cannot write", id="unwritable"
        ),
        pytest.param(
            ["keys", "list"],
            {"REDIS_URL": "redis://127.0.0.1:{refused}/0"},
            1,
            "cannot reach Redis",
            id="no-redis",
        ),
    ],
)
def test_every_command_reports_an_error_in_one_line_of_one_form(
    tmp_path: Path, args: list[str], env: dict[str, str], status: int, says: str
) -> None:
    with refused_port() as refused:
        fill = {"tmp": str(tmp_path), "refused": str(refused)}
        run = subprocess.run(
            [sys.executable, "-m", "newsdesk", *(arg.format(**fill) for arg in args)],
            env={**os.environ, **{k: v.format(**fill) for k, v in env.items()}},
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert run.returncode == status, run.stderr
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith("newsdesk: error: ") and says.format(**fill) in line, line


# --- openapi ----------------------------------------------------------------------


def test_openapi_prints_the_document_in_yaml_and_json(tmp_path: Path) -> None:
    as_yaml = newsdesk("openapi")
    assert as_yaml.returncode == 0, as_yaml.stderr
    document = yaml.safe_load(as_yaml.stdout)
    assert document["openapi"].startswith("3.")
    assert "/v1/articles" in document["paths"]

    target = tmp_path / "openapi.json"
    as_json = newsdesk("openapi", "--format", "json", "--output", str(target))
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stdout == ""
    assert json.loads(target.read_text()) == document


def test_api_and_openapi_never_import_spacy() -> None:
    probe = (
        "import sys, newsdesk.cli, newsdesk.gunicorn_app, service.app, service.openapi;"
        "service.app.create_app();"
        "print('spacy' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


# --- serve ------------------------------------------------------------------------


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()  # [state, ppid, ...]


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root`, with its name."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                found[child] = Path(f"/proc/{child}/comm").read_text().strip()
            except OSError:
                continue
            todo.append(child)
    return found


def _wait_none_alive(processes: dict[int, str], timeout: float = 30) -> None:
    """Children of a stopped serve end on their own signal handling: give them a moment."""
    deadline = time.monotonic() + timeout
    while left := {pid: name for pid, name in processes.items() if _alive(pid)}:
        assert time.monotonic() < deadline, f"processes left behind: {left}"
        time.sleep(0.05)


def _read_until(stream, pattern: str, deadline: float, seen: list[str]) -> re.Match:
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")


@pytest.mark.integration
def test_serve_runs_everything_and_one_ctrl_c_stops_all_of_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # A Redis left behind on the same data folder by an earlier run: serve must take
    # over its data rather than run a second server on the same files.
    leftover = RedisServer(data_dir).start()
    Redis.from_url(leftover.url).set("left-behind", "still here")

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(NEWSDESK_DATA_DIR=str(data_dir), NEWSDESK_LOG_LEVEL="WARNING")
    serve = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--port", "0", "--workers", "2"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert leftover.process is not None and leftover.process.wait(30) == 0
        redis_url = _read_until(serve.stdout, r"Redis at (unix://\S+)", deadline, seen)[1]
        assert Redis.from_url(redis_url).get("left-behind") == b"still here"
        base = _read_until(
            serve.stdout, r"API listening on (http://127\.0\.0\.1:\d+)", deadline, seen
        )[1]
        _read_until(serve.stdout, r"2 worker\(s\) ready", deadline, seen)
        assert httpx.get(f"{base}/readyz", timeout=5).json()["workers"] == 2

        # The README's walkthrough: POST, poll, long-poll.
        posted = httpx.post(f"{base}/v1/articles", json={"text": ARTICLES[1].read_text()})
        assert posted.status_code == 202
        location = posted.headers["Location"]
        assert httpx.get(f"{base}{location}").json()["status"] in ("queued", "started", "finished")
        job = httpx.get(f"{base}{location}", params={"wait": 10}, timeout=20).json()
        assert job["status"] == "finished", job
        assert ResultSchema().validate(job["result"]) == {}

        started = _descendants(serve.pid)
        direct = [pid for pid in started if _proc_stat(pid)[1] == str(serve.pid)]
        # redis-server, gunicorn, two workers and the webhook worker
        assert len(direct) == 5, started
        assert len(_direct_children(serve, "worker")) == 2
        assert len(_direct_children(serve, "worker\0--webhooks")) == 1
        assert len(started) > len(direct), started  # and gunicorn's own workers
        assert "redis-server" in started.values(), started

        os.killpg(serve.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        assert serve.wait(60) == 0, "".join(seen) + serve.stdout.read()
        rest = serve.stdout.read()
        assert "stopped" in rest
        _wait_none_alive(started)
        # Redis was stopped last and kept its data on disk.
        assert any(data_dir.rglob("*.aof")), list(data_dir.iterdir())
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        leftover.close()


def _start_serve(tmp_path: Path) -> subprocess.Popen:
    """serve with one worker and one API process (the test above runs its defaults)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        NEWSDESK_DATA_DIR=str(tmp_path / "data"),
        NEWSDESK_LOG_LEVEL="WARNING",
        NEWSDESK_API_PROCESSES="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--port", "0", "--workers", "1"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _direct_children(serve: subprocess.Popen, command: str) -> list[int]:
    return [
        pid
        for pid in _descendants(serve.pid)
        if _proc_stat(pid)[1] == str(serve.pid)
        and Path(f"/proc/{pid}/cmdline").read_text().endswith(f"newsdesk\0{command}\0")
    ]


@pytest.mark.integration
def test_serve_replaces_a_worker_that_dies(tmp_path: Path) -> None:
    serve = _start_serve(tmp_path)
    seen: list[str] = []
    try:
        _read_until(serve.stdout, "API listening", time.monotonic() + 60, seen)
        started = _descendants(serve.pid)
        [worker] = _direct_children(serve, "worker")
        os.kill(worker, signal.SIGKILL)
        _read_until(
            serve.stderr,
            rf"worker 1 \(pid {worker}\) was killed by SIGKILL unexpectedly; starting a new one",
            time.monotonic() + 30,
            seen,
        )
        assert serve.poll() is None, "serve stopped instead of replacing the worker"
        deadline = time.monotonic() + 10
        while (replacement := _direct_children(serve, "worker")) in ([], [worker]):
            assert time.monotonic() < deadline, "no new worker was started"
            time.sleep(0.1)
        [replacement] = replacement

        os.killpg(serve.pid, signal.SIGINT)
        everything = {**started, **_descendants(serve.pid), replacement: "worker"}
        assert serve.wait(60) == 0, serve.stderr.read()
        _wait_none_alive(everything)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


@pytest.mark.integration
def test_serve_stops_everything_when_the_api_dies(tmp_path: Path) -> None:
    serve = _start_serve(tmp_path)
    seen: list[str] = []
    try:
        _read_until(serve.stdout, "API listening", time.monotonic() + 60, seen)
        started = _descendants(serve.pid)
        [api] = _direct_children(serve, "api")
        os.kill(api, signal.SIGKILL)
        assert serve.wait(60) == 1
        stderr = serve.stderr.read()
        assert f"api (pid {api}) was killed by SIGKILL unexpectedly; stopped everything" in stderr
        _wait_none_alive(started)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


@pytest.mark.integration
def test_serve_restarts_a_killed_redis_and_loses_no_job(tmp_path: Path) -> None:
    serve = _start_serve(tmp_path)
    seen: list[str] = []
    try:
        base = _read_until(
            serve.stdout, r"API listening on (http://\S+) ", time.monotonic() + 60, seen
        )[1]
        _read_until(serve.stdout, r"worker\(s\) ready", time.monotonic() + 60, seen)
        texts = [f"Bulletin {n}: the ferry to Marrow Bay sails at {n} o'clock." for n in range(8)]
        jobs = [httpx.post(f"{base}/v1/articles", json={"text": t}).json()["id"] for t in texts]
        [redis] = [pid for pid, name in _descendants(serve.pid).items() if name == "redis-server"]
        os.kill(redis, signal.SIGKILL)
        killed_at = time.monotonic()

        # Meanwhile the API says to come back later, never worse.
        answers = set()
        while (ready := httpx.get(f"{base}/readyz", timeout=10)).status_code != 200:
            assert ready.status_code == 503 and int(ready.headers["Retry-After"]) > 0
            posted = httpx.post(f"{base}/v1/articles", json={"text": texts[0]}, timeout=10)
            answers.add(posted.status_code)
            if posted.status_code == 503:
                assert int(posted.headers["Retry-After"]) > 0
            assert time.monotonic() - killed_at < 60, "not ready again after a minute"
        assert answers <= {202, 503}, answers
        _read_until(serve.stderr, r"Redis \(pid \d+\) was killed by SIGKILL", killed_at + 30, seen)
        assert serve.poll() is None, "serve stopped instead of starting Redis again"

        # Every job accepted before the crash is still there and ends.
        for job_id in jobs:
            job = httpx.get(f"{base}/v1/jobs/{job_id}", params={"wait": 30}, timeout=40).json()
            assert job["status"] == "finished", job
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGINT)
            try:
                serve.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
                serve.wait()
