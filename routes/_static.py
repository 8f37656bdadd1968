"""Static files' answers made once: their headers, and for a client that takes gzip their compressed body.

What `Static` (pwa/app.py) sends for a plain GET or HEAD of a kept file is what StaticFiles and the
gzip step of pwa/edge.py made of it on every request: the file's headers, `Cache-Control`, and for a
client that takes gzip the body compressed as GZipMiddleware compresses it (level 9) with its `Vary`,
`Content-Encoding` and `Content-Length`. A file is compressed once instead of on every request.
"""

from __future__ import annotations

import zlib

from starlette.datastructures import MutableHeaders

from pwa.edge import GZIP_MINIMUM, not_compressible

CONDITIONAL = frozenset({b"range", b"if-none-match", b"if-modified-since"})
YEAR = "public, max-age=31536000, immutable"  # for fingerprinted URLs (`?v=`)
Answer = tuple[bytes, list[tuple[bytes, bytes]]]


def kept_answers(files: dict[str, Answer]) -> dict[tuple[str, bool, bool], Answer]:
    """By route path (`/css/app.css`), fingerprinted or not, gzip or not: the body and the headers."""
    answers = {}
    for path, (body, file_headers) in files.items():
        for versioned in (False, True):
            headers = list(file_headers)
            MutableHeaders(raw=headers)["Cache-Control"] = YEAR if versioned else "no-cache"
            route = "/" + path.replace("\\", "/")
            answers[(route, versioned, False)] = (body, headers)
            answers[(route, versioned, True)] = _gzipped(body, headers)
    return answers


def _gzipped(body: bytes, headers: list[tuple[bytes, bytes]]) -> Answer:
    if len(body) < GZIP_MINIMUM or not_compressible({"status": 200, "headers": headers}):
        return body, headers
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    compressed = compressor.compress(body) + compressor.flush()
    gzipped = list(headers)
    mutable = MutableHeaders(raw=gzipped)
    mutable.add_vary_header("Accept-Encoding")
    mutable["Content-Encoding"] = "gzip"
    mutable["Content-Length"] = str(len(compressed))
    return compressed, gzipped
