#!/usr/bin/env python3
"""A loopback proxy that adds `Authorization: Bearer TOKEN` to every GET and forwards it to
TARGET (http://127.0.0.1:PORT): a headless browser cannot send a header from the command line.
Prints the port it listens on, then serves until killed.

    auth_proxy.py TARGET TOKEN
"""
import http.client
import http.server
import sys
import urllib.parse

target = urllib.parse.urlsplit(sys.argv[1])
token = sys.argv[2]


class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        conn.request("GET", self.path, headers={"Authorization": "Bearer " + token})
        answer = conn.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        conn.close()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
