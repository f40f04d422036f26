#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for tests, in front of a real registry.

usage: faultproxy.py UPSTREAM_HOST:PORT RULES_FILE PORT_FILE

Listens on a free 127.0.0.1 port (written to PORT_FILE), forwards every request to UPSTREAM
(keeping the Host header, so the registry's Location headers point back at the proxy), and
applies the first matching rule from RULES_FILE (JSON, re-read on every request):

  [{"match": "GET /v2/.*/manifests/v1", "times": 2, "action": "status", "status": 503,
    "retry_after": "1"}, ...]

actions: status (reply with that status, no forwarding), reset (send half of the real reply,
then reset the connection), truncate (promise the full Content-Length, send half, close),
corrupt (flip a byte of the real body), wrongdigest (replace Docker-Content-Digest), stall
(sleep "seconds" before answering). "times" counts down in memory; absent means always.
Every request is logged to stderr as "METHOD PATH -> STATUS [action]".
"""
import http.client, http.server, json, re, socket, struct, sys, threading, time

UPSTREAM, RULES, PORT_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
used = {}
lock = threading.Lock()


def pick(method, path):
    try:
        rules = json.load(open(RULES))
    except (OSError, ValueError):
        return None
    for i, r in enumerate(rules):
        if re.search(r["match"], f"{method} {path}"):
            with lock:
                key = (i, r["match"], r["action"])
                n = used.get(key, 0)
                if "times" in r and n >= r["times"]:
                    continue
                used[key] = n + 1
            return r
    return None


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle and the
    # client's delayed ACK hold every reply on a kept-alive connection for 40 ms
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rule = pick(self.command, self.path)
        action = rule["action"] if rule else None
        if action == "stall":
            time.sleep(float(rule.get("seconds", 30)))
        if action == "status":
            data = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
            self.send_response(rule["status"])
            if rule.get("retry_after") is not None:
                self.send_header("Retry-After", str(rule["retry_after"]))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            print(f"{self.command} {self.path} -> {rule['status']} [status]", file=sys.stderr)
            return
        up = http.client.HTTPConnection(UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        up.request(self.command, self.path, body=body if (body or self.command in ("PUT", "POST", "PATCH")) else None,
                   headers=headers)
        resp = up.getresponse()
        data = resp.read()
        up.close()
        if action == "corrupt" and data:
            data = bytearray(data)
            data[len(data) // 2] ^= 0x01
            data = bytes(data)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("connection", "transfer-encoding", "content-length"):
                continue
            if action == "wrongdigest" and k.lower() == "docker-content-digest":
                v = "sha256:" + "0" * 64
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        print(f"{self.command} {self.path} -> {resp.status}" + (f" [{action}]" if action else ""), file=sys.stderr)
        if self.command == "HEAD":
            return
        if action in ("reset", "truncate"):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            if action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
