#!/usr/bin/env python3
"""The OCI 1.1 referrers API, in front of a real registry that lacks it (docker-registry 2.8).

usage: refserver.py UPSTREAM_HOST:PORT PORT_FILE [--page-size N]

Listens on a free 127.0.0.1 port (written to PORT_FILE) and forwards every request to
UPSTREAM, keeping the Host header. On top, as distribution-spec v1.1 says a registry with the
API does:
- a successful PUT of a manifest that has a `subject` is recorded and answered with an
  `OCI-Subject: <subject digest>` header;
- GET /v2/<name>/referrers/<digest>[?artifactType=T] answers an OCI image index of the
  recorded referrers of <digest> (descriptor: mediaType, size, digest, artifactType = the
  manifest's artifactType else its config mediaType, annotations), filtered by artifactType
  with `OCI-Filters-Applied: artifactType`; with --page-size N, N entries per page and a
  `Link: <...>; rel="next"` header to the next page.
Each referrers request is logged to stderr as "REFERRERS <name> <digest> page <k>".
"""
import hashlib, http.client, http.server, json, re, socket, sys, threading, urllib.parse

UPSTREAM, PORT_FILE = sys.argv[1], sys.argv[2]
PAGE = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--page-size" else 0
referrers = {}  # (name, subject digest) -> {digest: descriptor}
lock = threading.Lock()

MANIFEST_PUT = re.compile(r"^/v2/(.+)/manifests/([^/]+)$")
REFERRERS_GET = re.compile(r"^/v2/(.+)/referrers/(sha256:[0-9a-f]{64})$")
INDEX = "application/vnd.oci.image.index.v1+json"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else Nagle + delayed ACK: 40 ms per kept-alive reply

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self, body):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read() if self.command != "HEAD" else b""
        drop = ("transfer-encoding", "connection") + (() if self.command == "HEAD" else ("content-length",))
        hdrs = [(k, v) for k, v in r.getheaders() if k.lower() not in drop]
        conn.close()
        return r.status, data, hdrs

    def referrers(self, name, digest, query):
        q = urllib.parse.parse_qs(query)
        want = q.get("artifactType", [None])[0]
        start = int(q.get("last", ["0"])[0] or 0)
        with lock:
            items = sorted(referrers.get((name, digest), {}).values(), key=lambda d: d["digest"])
        if want is not None:
            items = [d for d in items if d.get("artifactType") == want]
        headers = [("Content-Type", INDEX)]
        if want is not None:
            headers.append(("OCI-Filters-Applied", "artifactType"))
        page = items[start:start + PAGE] if PAGE else items
        print(f"REFERRERS {name} {digest} page {start // PAGE if PAGE else 0}", file=sys.stderr,
              flush=True)
        if PAGE and start + PAGE < len(items):
            nq = {"last": str(start + PAGE)}
            if want is not None:
                nq["artifactType"] = want
            headers.append(("Link", f'</v2/{name}/referrers/{digest}?'
                                    f'{urllib.parse.urlencode(nq)}>; rel="next"'))
        body = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": page}).encode()
        self.reply(200, body, headers)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else (b"" if self.command in ("PUT", "POST", "PATCH") else None)
        path, _, query = self.path.partition("?")
        m = REFERRERS_GET.match(path)
        if self.command == "GET" and m:
            return self.referrers(m.group(1), m.group(2), query)
        status, data, hdrs = self.forward(body)
        m = MANIFEST_PUT.match(path)
        if self.command == "PUT" and m and 200 <= status < 300 and body:
            try:
                man = json.loads(body)
            except ValueError:
                man = None
            subj = man.get("subject") if isinstance(man, dict) else None
            if isinstance(subj, dict) and isinstance(subj.get("digest"), str):
                d = {"mediaType": man.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
                     "size": len(body), "digest": "sha256:" + hashlib.sha256(body).hexdigest()}
                at = man.get("artifactType") or (man.get("config") or {}).get("mediaType")
                if at:
                    d["artifactType"] = at
                if man.get("annotations"):
                    d["annotations"] = man["annotations"]
                with lock:
                    referrers.setdefault((m.group(1), subj["digest"]), {})[d["digest"]] = d
                hdrs.append(("OCI-Subject", subj["digest"]))
        self.reply(status, data, hdrs)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
