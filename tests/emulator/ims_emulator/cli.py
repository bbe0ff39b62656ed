"""Command line of the emulator: ``huaweicloud-ims-emulator`` (installed) and ``serve.py`` (in the repository)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from ims_emulator.server import make_server
from ims_emulator.state import ConfigError

# The seeded world ships inside the package (in the repository, a link to ../default.yml).
DEFAULT_WORLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default.yml")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="huaweicloud-ims-emulator", description="Huawei Cloud IMS + IAM emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--world", "--config", dest="config", default=DEFAULT_WORLD,
                        help="YAML file of accounts, projects and resources (default: the seeded world)")
    parser.add_argument("--ready-file", default=None)
    parser.add_argument("--job-seconds", type=float, default=None,
                        help="duration of every asynchronous job (default: job_seconds of the config, else 1.0)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="listen on a non-loopback address (the control API still answers loopback callers only)")
    parser.add_argument("--control-token", default=os.environ.get("IMS_EMULATOR_CONTROL_TOKEN"),
                        help="require this X-Emulator-Token on /_emulator calls "
                             "(default: $IMS_EMULATOR_CONTROL_TOKEN, else none)")
    args = parser.parse_args(argv)

    try:
        server = make_server(args.host, args.port, args.config, args.job_seconds, control_token=args.control_token,
                             allow_remote=args.allow_remote)
    except (ValueError, ConfigError) as error:
        parser.exit(2, "%s: %s\n" % (parser.prog, error))
    host, port = server.server_address[:2]
    url = "http://%s:%d" % (host, port)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("IMS emulator listening on %s" % url, flush=True)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"url": url, "port": port, "pid": os.getpid()}, handle)
        os.replace(tmp, args.ready_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.app.jobs.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
