"""A local HTTP server that speaks Flickr's REST JSON and serves images, injecting faults.

Faults are queued per (photo id, method): each request for that pair takes the next one.
REST faults: "429", "502" (HTML body), "105", "truncated" (half a JSON body), "slow" (answers
after `slow` seconds), "100" (invalid key). Image routes (/img/<name>) answer from `images`:
bytes, an int HTTP status, "unavailable" (redirect to a photo_unavailable image), or a list
of those taken in turn.
"""

import json
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PLACEHOLDER = b"GIF89a placeholder bytes"


class FakeFlickr:
    def __init__(
        self,
        key: str,
        photos: dict[int, dict],
        *,
        faults: dict | None = None,
        images: dict | None = None,
        slow: float = 1.0,
    ):
        self.key, self.photos, self.slow = key, photos, slow
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.images = dict(images or {})
        self.requests: Counter = Counter()
        self.keys_seen: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/rest/"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, photo: int, method: str) -> dict:
        if photo not in self.photos:
            return {"stat": "fail", "code": 1, "message": "Photo not found"}
        info = self.photos[photo]
        if method == "flickr.photos.getInfo":
            tags = [
                {"id": f"t{i}", "author": info["owner"], "raw": t.upper(), "_content": t}
                for i, t in enumerate(info.get("tags", []))
            ]
            owner = {"nsid": info["owner"], "username": "someone"}
            return {"photo": {"id": str(photo), "owner": owner, "tags": {"tag": tags}}, "stat": "ok"}
        body: dict = {"stat": "ok"}
        if info.get("sets"):
            body["set"] = [{"id": s, "title": f"album {s}"} for s in info["sets"]]
        if info.get("groups"):
            body["pool"] = [{"id": g, "title": f"group {g}"} for g in info["groups"]]
        return body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(
                self,
                status: int,
                body: bytes,
                kind: str = "application/json",
                headers: dict | None = None,
                length: int | None = None,
            ):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                if parts.path.startswith("/img/"):
                    return self._image(parts.path[len("/img/") :])
                if parts.path.startswith("/unavailable/"):
                    return self._send(200, PLACEHOLDER, "image/gif")
                query = dict(urllib.parse.parse_qsl(parts.query))
                photo, method = int(query.get("photo_id", -1)), query.get("method", "")
                with fake.lock:
                    fake.requests[(photo, method)] += 1
                    fake.keys_seen.add(query.get("api_key", ""))
                    queue = fake.faults.get((photo, method), [])
                    fault = queue.pop(0) if queue else None
                if query.get("format") != "json" or query.get("nojsoncallback") != "1":
                    return self._send(200, b"jsonFlickrApi({})", "text/javascript")
                if query.get("api_key") != fake.key or fault == "100":
                    return self._json(
                        {"stat": "fail", "code": 100, "message": "Invalid API Key (Key has invalid format)"}
                    )
                if fault == "429":
                    return self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"})
                if fault == "502":
                    return self._send(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
                if fault == "105":
                    return self._json(
                        {"stat": "fail", "code": 105, "message": "Service currently unavailable"}
                    )
                if fault == "truncated":
                    body = json.dumps(fake.answer(photo, method)).encode()
                    return self._send(200, body[: len(body) // 2])
                if fault == "slow":
                    time.sleep(fake.slow)
                return self._json(fake.answer(photo, method))

            def _json(self, data: dict):
                self._send(200, json.dumps(data).encode())

            def _image(self, name: str):
                with fake.lock:
                    fake.requests[("img", name)] += 1
                    spec = fake.images.get(name, 404)
                    if isinstance(spec, list):
                        spec = spec.pop(0) if len(spec) > 1 else spec[0]
                if spec == "unavailable":
                    self.send_response(302)
                    self.send_header("Location", "/unavailable/photo_unavailable.gif")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if isinstance(spec, int):
                    return self._send(spec, b"<html>error</html>", "text/html")
                return self._send(200, spec, "image/jpeg")

        return Handler
