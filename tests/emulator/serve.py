"""Start the local IMS + IAM emulator (see README.md in this directory)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from ims_emulator.server import make_server  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Huawei Cloud IMS + IAM emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", default=os.path.join(HERE, "default.yml"))
    parser.add_argument("--ready-file", default=None)
    parser.add_argument("--job-seconds", type=float, default=None,
                        help="duration of every asynchronous job (default: job_seconds of the config, else 1.0)")
    args = parser.parse_args(argv)

    server = make_server(args.host, args.port, args.config, args.job_seconds)
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
