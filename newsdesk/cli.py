"""The `newsdesk` command: serve, api, worker, analyze, openapi, keys.

Heavy modules are imported inside each subcommand, so `newsdesk api` and
`newsdesk openapi` never import spaCy and every command starts fast.

Every command reports a mistake of its user the same way: one line on stderr,
`newsdesk: error: ...`, and exit status 1, or 2 for a malformed command line or
setting, as argparse does (`newsdesk serve` writes its lines in the same form).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from newsdesk.results import DEFAULT_ANALYSES
from newsdesk.settings import Config, load

# `duplicates` compares with earlier jobs in the service's index; a local run has none.
LOCAL_ANALYSES = DEFAULT_ANALYSES


PROG = "newsdesk"


class UsageError(Exception):
    """A mistake of the person at the terminal: one line on stderr, no traceback."""


def say(message: str) -> None:
    """One line on stdout about what the command does, in the form `newsdesk serve` uses."""
    print(f"{PROG}: {message}", flush=True)


def report_error(message: str) -> None:
    """The one form of every error the command reports: `newsdesk: error: ...` on stderr."""
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    """argparse, reporting a malformed command line in the same one line as other errors."""

    def error(self, message: str) -> NoReturn:
        report_error(f"{message} (see `{self.prog} --help`)")
        self.exit(2)


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {raw!r}") from None
    if not 0 <= value < 65536:  # 0: any free port
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def _analyses(raw: str) -> list[str]:
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in LOCAL_ANALYSES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"choose from {','.join(LOCAL_ANALYSES)} (got {raw!r})"
            if unknown
            else "name at least one analysis"
        )
    return list(dict.fromkeys(chosen))  # drop repeats, keep order


# --- subcommands ------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from newsdesk.serve import serve

    return serve(config, host=args.host, port=args.port, workers=args.workers)


def cmd_api(args: argparse.Namespace, config: Config) -> int:
    from newsdesk.gunicorn_app import run_api

    _require_keys(config)
    run_api(config)
    return 0


# --- keys -------------------------------------------------------------------------


def _require_keys(config: Config) -> None:
    """`newsdesk api` with NEWSDESK_AUTH=required refuses to start when no key exists.

    A Redis that does not answer yet cannot say: the API starts, and checks each
    request's key once Redis is back.
    """
    if config.auth != "required":
        return
    from newsdesk.keyadmin import NO_KEYS, keys_configured
    from newsdesk.redis_connection import connect

    redis = connect(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        if keys_configured(config, redis) is False:
            raise UsageError(NO_KEYS)
    finally:
        redis.close()


def cmd_keys(args: argparse.Namespace, config: Config) -> int:
    from redis.exceptions import RedisError

    from newsdesk.keyadmin import KeyAdminError, key_store
    from newsdesk.keys import KeyProblem

    try:
        with key_store(config, private=not os.environ.get("REDIS_URL"), say=say) as store:
            if args.action == "create":
                issued = store.create(args.name)
                print(f"key:            {issued.key}")
                print(f"signing secret: {issued.signing_secret}")
                print(
                    f"Key {issued.name!r} created. Store both now: they are not shown again.",
                    file=sys.stderr,
                )
            elif args.action == "revoke":
                store.revoke(args.name)
                print(f"Key {args.name!r} revoked.", file=sys.stderr)
            else:
                listed = store.list_keys()
                if not listed:
                    print("No keys.", file=sys.stderr)
                for info in listed:
                    created = info.created_at or "-"
                    print(f"{info.name:<24} {info.prefix}…  {created:<27} {info.source}")
    except (KeyProblem, KeyAdminError) as exc:
        raise UsageError(str(exc)) from None
    except RedisError as exc:
        raise UsageError(f"Redis did not answer ({type(exc).__name__})") from None
    return 0


# --- end keys ---------------------------------------------------------------------


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from redis.exceptions import ConnectionError as RedisConnectionError

    if args.webhooks:
        from workers.webhook_worker import run_webhook_worker as run
    else:
        from workers.worker import run_worker as run

    try:
        run(config, burst=args.burst, name=args.name)
    except RedisConnectionError as exc:
        raise UsageError(f"cannot reach Redis for the worker: {exc}") from None
    return 0


def _read_article(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{source}: is a folder, not a file") from None
    except PermissionError:
        raise UsageError(f"{source}: permission denied") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read ({exc.strerror})") from None


def cmd_analyze(args: argparse.Namespace, config: Config) -> int:
    if args.files.count("-") > 1:
        raise UsageError("`-` (standard input) may be given once")
    # Read everything first: a typo in the last file name should fail before the model loads.
    texts = [(source, _read_article(source)) for source in args.files]
    for source, text in texts:
        if not text.strip():
            raise UsageError(f"{'standard input' if source == '-' else source}: empty article")

    from newsdesk import logs

    # Quiet by default: stdout carries the results, stderr only what goes wrong.
    logs.configure(os.environ.get("NEWSDESK_LOG_LEVEL", "WARNING").upper())
    from workers.pipeline import analyze, warm_up

    if "entities" in args.analyses:
        warm_up(config.spacy_model)
    failed = 0
    for source, text in texts:
        article: dict[str, object] = {"text": text, "analyses": args.analyses}
        if args.title is not None:
            article["title"] = args.title
        if args.language is not None:
            article["language"] = args.language
        try:
            result = analyze(
                article, reading_wpm=config.reading_wpm, speaking_wpm=config.speaking_wpm
            )
        except Exception as exc:  # report and go on with the other files
            failed += 1
            report_error(f"{source}: analysis failed ({type(exc).__name__})")
            continue
        # The result as a job's `result` holds it, with the file it came from: each line
        # says which file it is about, also when another file's analysis failed.
        line = {"source": source, "result": result}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 1 if failed else 0


def cmd_openapi(args: argparse.Namespace, config: Config) -> int:
    from service.app import create_app
    from service.openapi import spec_dict, spec_yaml

    app = create_app(config)
    if args.format == "json":
        document = json.dumps(spec_dict(app), indent=2, ensure_ascii=False) + "\n"
    else:
        document = spec_yaml(app)
    if args.output:
        try:
            Path(args.output).write_text(document, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.write(document)
    return 0


# --- parser -----------------------------------------------------------------------


def build_parser(config: Config) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Article analysis for newsrooms: cleanup, entities, quotes and "
        "statistics, and (through the API) duplicates of earlier articles.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="everything in one: a private Redis (unless REDIS_URL is set), the API, workers",
        description="Run Redis (private, unless REDIS_URL is set), the API and workers "
        "until Ctrl-C.",
    )
    serve.add_argument("--host", default=config.host, help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=_port, default=config.port, help="port (%(default)s)")
    serve.add_argument(
        "--workers", type=_positive_int, default=2, help="worker processes (%(default)s)"
    )
    serve.set_defaults(handler=cmd_serve)

    api = commands.add_parser(
        "api",
        help="the HTTP API under gunicorn (NEWSDESK_HOST, NEWSDESK_PORT, ...)",
        description="The HTTP API under gunicorn, configured from the environment.",
    )
    api.set_defaults(handler=cmd_api)

    worker = commands.add_parser(
        "worker",
        help="one queue worker (REDIS_URL, NEWSDESK_QUEUE)",
        description="One queue worker: loads the model once, then runs jobs until SIGTERM.",
    )
    worker.add_argument("--burst", action="store_true", help="quit when the queue is empty")
    worker.add_argument("--name", help="worker name in Redis (default: a random one)")
    worker.add_argument(
        "--webhooks",
        action="store_true",
        help="deliver webhooks (queue NEWSDESK_QUEUE-webhooks) instead of running analyses",
    )
    worker.set_defaults(handler=cmd_worker)

    analyze = commands.add_parser(
        "analyze",
        help="analyze article files here, without Redis: one JSON line per file",
        description="Analyze articles in this process (no Redis, no API).\n\n"
        "Prints one JSON line per article, in the order given:\n\n"
        '  {"source": "FILE", "result": {...}}\n\n'
        "`source` is the FILE as given (- for standard input); `result` is the result\n"
        "as the API's job shows it. An article whose analysis fails gets no line: it is\n"
        "reported on stderr, and the exit status is 1.",
        epilog="example, words per file:\n"
        "  newsdesk analyze a.txt b.txt | jq -r '[.source, .result.stats.words] | @tsv'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument("files", nargs="+", metavar="FILE", help="text file, or - for stdin")
    analyze.add_argument(
        "--analyses",
        type=_analyses,
        default=list(LOCAL_ANALYSES),
        help=f"comma-separated, from {','.join(LOCAL_ANALYSES)} (default: all; "
        "duplicates needs the service's index)",
    )
    analyze.add_argument("--language", help="language hint, ISO 639-1 (default: detect)")
    analyze.add_argument("--title", help="headline, when the text does not carry it")
    analyze.set_defaults(handler=cmd_analyze)

    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI document",
        description="Print (or write) the OpenAPI document of the HTTP API.",
    )
    openapi.add_argument("--format", choices=("yaml", "json"), default="yaml")
    openapi.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    openapi.set_defaults(handler=cmd_openapi)

    # --- keys ---
    keys = commands.add_parser(
        "keys",
        help="create, list or revoke API keys (in REDIS_URL's Redis, or serve's private one)",
        description="API keys, kept in Redis: REDIS_URL's, or when it is unset the private "
        "Redis of `newsdesk serve` (running or not).",
    )
    key_actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = key_actions.add_parser(
        "create", help="make a key; prints it and its webhook signing secret, once"
    )
    create.add_argument("name", help="a name for the caller: letters, digits, '.', '_', '-'")
    key_actions.add_parser("list", help="names, first characters and creation times")
    revoke = key_actions.add_parser("revoke", help="stop a key from working, at once")
    revoke.add_argument("name")
    keys.set_defaults(handler=cmd_keys)
    # --- end keys ---
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = load()
    except ValueError as exc:  # a malformed setting in the environment
        report_error(str(exc))
        return 2
    args = build_parser(config).parse_args(argv)
    try:
        return args.handler(args, config)
    except UsageError as exc:
        report_error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
