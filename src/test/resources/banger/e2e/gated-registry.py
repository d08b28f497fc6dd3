#!/usr/bin/env python3
"""A minimal OCI distribution server for tests: serves an OCI layout's blobs and the tags of tags.json, and holds
gated layer downloads half-way until a gate file exists, so a test can see a pull in flight, cancel it, or make
two pulls meet. Logs one line per request. Usage: gated-registry.py PORT LAYOUT_DIR GATES_DIR LOG"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LAYOUT, GATES, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
FIRST_PART = 64 * 1024
GATE_WAIT_S = 300
log_lock = threading.Lock()


def read_json(name):
    with open(os.path.join(LAYOUT, name)) as f:
        return json.load(f)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, status):
        with log_lock, open(LOG, 'a') as f:
            f.write('%s %s %d\n' % (self.command, self.path, status))

    def answer(self, status, body=b'', content_type='application/json', partial_until_gate=None):
        self.record(status)
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command == 'HEAD':
            return
        if partial_until_gate is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:FIRST_PART])
        self.wfile.flush()
        deadline = time.time() + GATE_WAIT_S
        while not os.path.exists(partial_until_gate) and time.time() < deadline:
            time.sleep(0.05)
        self.wfile.write(body[FIRST_PART:])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split('?')[0]
        if path == '/v2/':
            return self.answer(200, b'{}')
        parts = path[len('/v2/'):].split('/')
        if len(parts) < 3 or parts[-2] not in ('manifests', 'blobs'):
            return self.answer(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
        repo, kind, ref = '/'.join(parts[:-2]), parts[-2], parts[-1]
        if kind == 'manifests' and not ref.startswith('sha256:'):
            ref = read_json('tags.json').get(repo + ':' + ref)
            if ref is None:
                return self.answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
        blob = os.path.join(LAYOUT, 'blobs', 'sha256', ref.split(':', 1)[-1])
        if not os.path.isfile(blob):
            return self.answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        with open(blob, 'rb') as f:
            body = f.read()
        if kind == 'manifests':
            return self.answer(200, body, json.loads(body).get('mediaType', 'application/json'))
        gated = ref in read_json('gated.json')
        gate = os.path.join(GATES, repo.replace('/', '_')) if gated else None
        return self.answer(200, body, 'application/octet-stream', gate)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
