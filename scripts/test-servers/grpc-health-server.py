#!/usr/bin/env python3
"""The gRPC peers of the grpc probe's tests, started by scripts/test-servers/test-env.sh.

  grpc-health-server.py --plain PORT --tls PORT --hostile PORT --control PORT --certs DIR

- plain and tls: one real grpc.health.v1.Health server (grpcio-health-checking's
  HealthServicer) on two ports, h2c and TLS with the test CA's server certificate. The
  service "vitals.Stall" never answers a Check (until the client goes away, or 60 s).
- control: HTTP on 127.0.0.1; `PUT /services/NAME` with a body of SERVING, NOT_SERVING,
  SERVICE_UNKNOWN or UNKNOWN sets that service's status and answers 204 once it is set, so a
  test that flips a service and then probes sees the new status (no polling, no sleep).
- hostile: a gRPC server whose Health/Check misbehaves by the service asked for:
  vitals.Huge (a 1 MiB reply), vitals.Garbage (a cut varint), vitals.Denied (a trailers-only
  PERMISSION_DENIED whose message grpcio percent-encodes); any other service is SERVING.
"""
import argparse
import http.server
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

STATUSES = {name: health_pb2.HealthCheckResponse.ServingStatus.Value(name)
            for name in ("UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN")}


class StallingHealth(health.HealthServicer):
    """The standard servicer, except that vitals.Stall holds its Check open."""

    def Check(self, request, context):
        if request.service == "vitals.Stall":
            gone = threading.Event()
            context.add_callback(gone.set)
            gone.wait(60)
            return health_pb2.HealthCheckResponse(status=STATUSES["SERVING"])
        return super().Check(request, context)


def hostile_check(raw_request, context):
    service = health_pb2.HealthCheckRequest.FromString(raw_request).service
    if service == "vitals.Huge":
        # status SERVING, then field 2 (length-delimited) of 1 MiB: a valid message, too big.
        filler = b"x" * (1 << 20)
        return b"\x08\x01\x12" + encode_varint(len(filler)) + filler
    if service == "vitals.Garbage":
        return b"\x08\xff"  # field 1, a varint whose continuation bit promises more bytes
    if service == "vitals.Denied":
        # grpcio percent-encodes the message into grpc-message; the newline must not survive.
        context.abort(grpc.StatusCode.PERMISSION_DENIED, "token 100% rejected \u2014 ask ops\nsecond line")
    return b"\x08\x01"


def encode_varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def hostile_server(port):
    # No serializers: the handler reads and writes the raw protobuf bytes.
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(hostile_check)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    return server


def control_handler(servicer):
    class Control(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            prefix = "/services/"
            length = int(self.headers.get("Content-Length") or 0)
            status = self.rfile.read(min(length, 64)).decode().strip()
            if not self.path.startswith(prefix) or status not in STATUSES:
                self.send_response(400)
                self.end_headers()
                return
            servicer.set(self.path[len(prefix):], STATUSES[status])
            self.send_response(204)
            self.end_headers()

        def do_GET(self):  # readiness, for test-env.sh's wait
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args):
            pass

    return Control


def main():
    parser = argparse.ArgumentParser()
    for name in ("plain", "tls", "hostile", "control"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--certs", required=True)
    args = parser.parse_args()

    servicer = StallingHealth()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{args.plain}")
    with open(f"{args.certs}/server.key", "rb") as key, open(f"{args.certs}/server.pem", "rb") as cert:
        credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
    server.add_secure_port(f"127.0.0.1:{args.tls}", credentials)
    server.start()
    hostile = hostile_server(args.hostile)
    hostile.start()
    control = http.server.ThreadingHTTPServer(("127.0.0.1", args.control), control_handler(servicer))
    control.serve_forever()


if __name__ == "__main__":
    main()
