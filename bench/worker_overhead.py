"""CPU a worker spends per job beyond the pipeline and validation, this checkout against another.

One private redis-server. For each checkout in turn (alternating, `--rounds` times), a
fresh process loads the model, queues `--jobs` articles as the API does (owner, reuse
key, a callback URL, so the reuse record and the webhook are part of every job), drains
them with a `LeasedWorker` in burst mode, then runs the same articles through the job
function outside RQ (pipeline and validation, no Redis). It prints the process's CPU
per job for both and their difference (the worker's own overhead); the CPU of the Redis
server and the commands it ran per job while the worker drained the queue; and the CPU
of the result check alone (ResultSchema, and the compiled check where the checkout has
one). The machine may be busy: compare the two checkouts within one run. Both
checkouts must build their worker with `workers.worker.make_worker`.

    python bench/worker_overhead.py --baseline ../newsdesk-main --jobs 200 --rounds 3

Both checkouts run in the same virtualenv. When this checkout added a dependency the
baseline does not have (hiredis, which redis-py uses whenever it is installed), pass
`--baseline-without hiredis` so that the baseline runs as it would be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CALLBACK_URL = "http://127.0.0.1:9/hook"  # never called: no webhook worker runs here


def child(checkout: str, redis_url: str, jobs: int, without: list[str]) -> None:
    """Measure one checkout in this process (its code first on sys.path)."""
    for module in without:  # not installed, as far as this process can tell
        sys.modules[module] = None  # type: ignore[assignment]
    sys.path.insert(0, checkout)
    sys.path.insert(1, str(HERE))
    from dataclasses import replace

    from redis import Redis
    from redis.utils import HIREDIS_AVAILABLE
    from rq import Queue
    from throughput import make_articles

    import workers
    from newsdesk import logs
    from newsdesk.queueing import SERIALIZER
    from newsdesk.settings import load
    from service.jobstore import JobStore
    from workers.jobs import analyze_article
    from workers.pipeline import warm_up
    from workers.worker import make_worker

    assert Path(workers.__file__).resolve().is_relative_to(Path(checkout).resolve())
    config = replace(load(), redis_url=redis_url, queue_name="overhead")
    logs.configure(config.log_level)
    warm_up()
    redis = Redis.from_url(redis_url)
    redis.flushall()
    store = JobStore(redis, config)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    analyses = ["cleanup", "entities", "quotes", "stats"]
    articles = make_articles(jobs + 4)

    def drain(texts: list[str]) -> float:
        for text in texts:
            store.submit({"text": text}, analyses, None, owner="bench", callback_url=CALLBACK_URL)
        worker = make_worker(queue, config)
        began = time.process_time()
        worker.work(burst=True, logging_level=config.log_level)
        return time.process_time() - began

    def redis_counters() -> tuple[int, float]:
        """Commands Redis has run and the CPU it has used so far."""
        cpu = redis.info("cpu")
        commands = int(redis.info("stats")["total_commands_processed"])
        return commands, float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"])

    drain(articles[:4])  # first-call costs are not the worker's
    commands, redis_cpu = redis_counters()
    worker_cpu = drain(articles[4:])
    commands_after, redis_cpu_after = redis_counters()
    commands = commands_after - commands
    redis_cpu = redis_cpu_after - redis_cpu
    finished = redis.zcard(queue.finished_job_registry.key)
    began = time.process_time()
    results = [analyze_article({"text": t, "analyses": analyses}) for t in articles[4:]]
    pipeline_cpu = time.process_time() - began
    figures = {
        "worker_ms": worker_cpu / jobs * 1000,
        "pipeline_ms": pipeline_cpu / jobs * 1000,
        "commands": commands / jobs,
        "redis_ms": redis_cpu / jobs * 1000,
        "finished": finished,
        "hiredis": HIREDIS_AVAILABLE,
    }
    # The result check alone, the marshmallow schema against the compiled one where there is one.
    from newsdesk.results import ResultSchema

    checks = {"marshmallow_ms": ResultSchema().validate}
    try:
        from workers.validation import check_result

        checks["compiled_ms"] = check_result
    except ImportError:
        pass
    for name, check in checks.items():
        began = time.process_time()
        for result in results:
            check(result)
        figures[name] = (time.process_time() - began) / jobs * 1000
    print(json.dumps(figures))


def runs_mean(results: list[dict], key: str) -> float:
    return statistics.mean(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="another checkout to compare with")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--baseline-without",
        action="append",
        default=[],
        metavar="MODULE",
        help="a module the baseline runs without (a dependency only this checkout has)",
    )
    parser.add_argument("--child", nargs=2, metavar=("CHECKOUT", "REDIS_URL"), help="internal")
    parser.add_argument("--without", action="append", default=[], help="internal")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.jobs, args.without)
        return

    sys.path.insert(0, str(HERE.parent))
    from newsdesk.redis_server import RedisServer

    checkouts = {"baseline": os.path.abspath(args.baseline), "this": str(HERE.parent)}
    runs: dict[str, list[dict]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as data_dir, RedisServer(data_dir) as redis:
        for _ in range(args.rounds):
            for name, checkout in checkouts.items():
                command = [sys.executable, __file__, "--jobs", str(args.jobs)]
                command += ["--baseline", checkout, "--child", checkout, redis.url]
                if name == "baseline":
                    command += [f"--without={module}" for module in args.baseline_without]
                out = subprocess.run(
                    command,
                    cwd=checkout,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                run = json.loads(out.strip().splitlines()[-1])
                print(f"{name:<9}{json.dumps(run)}", flush=True)
                runs[name].append(run)

    print(f"{args.jobs} jobs x {args.rounds} rounds, CPU ms per job (mean of rounds)")
    print(
        f"{'':<10}{'worker':>8}{'pipeline+valid.':>17}{'overhead':>10}{'redis':>7}{'commands':>10}"
    )
    overhead = {}
    for name, results in runs.items():
        worker = runs_mean(results, "worker_ms")
        pipeline = runs_mean(results, "pipeline_ms")
        overhead[name] = worker - pipeline
        print(
            f"{name:<10}{worker:>8.1f}{pipeline:>17.1f}{worker - pipeline:>10.1f}"
            f"{runs_mean(results, 'redis_ms'):>7.2f}{runs_mean(results, 'commands'):>10.1f}"
        )
    worker_ratio = runs_mean(runs["this"], "worker_ms") / runs_mean(runs["baseline"], "worker_ms")
    print(f"worker CPU per job, this / baseline: {worker_ratio:.3f}")
    print(f"overhead, this / baseline: {overhead['this'] / overhead['baseline']:.2f}")
    for name, results in runs.items():
        checks = [key for key in ("marshmallow_ms", "compiled_ms") if key in results[0]]
        shown = ", ".join(f"{k[:-3]} {statistics.mean(r[k] for r in results):.2f}" for k in checks)
        print(f"{name}: result check alone, ms per job: {shown}")


if __name__ == "__main__":
    main()
