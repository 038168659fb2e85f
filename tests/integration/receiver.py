"""A webhook receiver for the alert tests (tests/integration and tests/web)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request; answers from `script` (statuses,
    then 200), and holds a request while `hold` is set."""

    def __init__(self, script=()):
        self.requests = []
        self.script = list(script)
        self.hold = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    status = receiver.script.pop(0) if receiver.script else 200
                while receiver.hold.is_set():
                    time.sleep(0.05)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self, event=None):
        with self.lock:
            out = [(h, json.loads(b)) for h, b in self.requests]
        return [(h, b) for h, b in out if event is None or b["event"] == event]

    def close(self):
        self.server.shutdown()
