"""Command line of the emulator: ``huaweicloud-ims-emulator`` (installed) and ``serve.py`` (in the repository)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from ims_emulator.server import make_routed_servers, make_server, serve_in_thread, server_url
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
    parser.add_argument("--visibility-delay", type=float, default=None,
                        help="seconds a new image stays out of listings (default: visibility_delay of the config, "
                             "else 3)")
    parser.add_argument("--delete-delay", type=float, default=None,
                        help="seconds a deleted image stays listed (default: delete_delay of the config, else 3)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="listen on a non-loopback address (the control API still answers loopback callers only)")
    parser.add_argument("--control-token", default=os.environ.get("IMS_EMULATOR_CONTROL_TOKEN"),
                        help="require this X-Emulator-Token on /_emulator calls "
                             "(default: $IMS_EMULATOR_CONTROL_TOKEN, else none)")
    parser.add_argument("--host-routed", action="store_true",
                        help="also serve IAM and each region's IMS at the root of a port of its own (for clients that "
                             "keep only scheme://host:port of an endpoint, such as the official SDK)")
    args = parser.parse_args(argv)

    try:
        server = make_server(args.host, args.port, args.config, args.job_seconds, control_token=args.control_token,
                             allow_remote=args.allow_remote, visibility_delay=args.visibility_delay,
                             delete_delay=args.delete_delay)
    except (ValueError, ConfigError) as error:
        parser.exit(2, "%s: %s\n" % (parser.prog, error))
    host, port = server.server_address[:2]
    url = "http://%s:%d" % (host, port)
    info = {"url": url, "port": port, "pid": os.getpid()}
    routed = []
    if args.host_routed:
        servers = make_routed_servers(server.app, args.host, args.control_token)
        routed = [servers["iam"]] + list(servers["ims"].values())
        for extra in routed:
            serve_in_thread(extra)
        info["routed"] = {"iam": server_url(servers["iam"]),
                          "ims": {region: server_url(srv) for region, srv in servers["ims"].items()}}

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("IMS emulator listening on %s" % url, flush=True)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(info, handle)
        os.replace(tmp, args.ready_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.app.jobs.stop()
        for extra in routed:
            extra.shutdown()
            extra.server_close()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
