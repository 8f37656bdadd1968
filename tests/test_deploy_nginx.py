"""deploy/nginx/pwa.conf as shipped, run by Debian's nginx on loopback in front of two app processes.

Only the ports, the certificate (a self-signed one made here), the static folder and the
upstream addresses are swapped for test ones. nginx runs unprivileged with a temporary prefix.
"""

from __future__ import annotations

import datetime
import gzip
import http.client
import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import col, select

from pwa.db import Database
from pwa.models import RateCounter
from pwa.settings import ROOT_DIR
from tests.live import LiveServer, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    NGINX is None,
    reason="nginx is not installed (`apt-get install nginx`; `make test` installs it): proxy test skipped",
)
CLIENT = "127.0.0.2"  # the test's browser: any loopback address but the proxy's own
METRICS_TOKEN = "nginx-test-" + "m" * 30


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Proxy:
    https_port: int
    http_port: int
    ca: Path
    apps: list[LiveServer]

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        """A request from CLIENT through nginx, over TLS checked against the test certificate."""
        context = ssl.create_default_context(cafile=str(self.ca))
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=context, source_address=(CLIENT, 0), timeout=30
        )
        conn.request("GET", path, headers={"Host": "buudien.example.vn", **(headers or {})})
        response = conn.getresponse()
        reply = Reply(response.status, response.msg, response.read())
        conn.close()
        return reply


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "buudien.example.vn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("buudien.example.vn"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _site(folder: Path, https_port: int, http_port: int, apps: list[LiveServer]) -> str:
    cert, key = _certificate(folder)
    site = (ROOT_DIR / "deploy" / "nginx" / "pwa.conf").read_text()
    swaps = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:443 ssl http2;": "",
        "listen [::]:80;": "",
        "/etc/letsencrypt/live/buudien.example.vn/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/buudien.example.vn/privkey.pem": str(key),
        "/srv/pwa/app/static/": f"{ROOT_DIR / 'static'}/",
        "127.0.0.1:8001": f"127.0.0.1:{apps[0].port}",
        "127.0.0.1:8002": f"127.0.0.1:{apps[1].port}",
    }
    for shipped, test in swaps.items():
        assert shipped in site, f"deploy/nginx/pwa.conf no longer has {shipped!r}"
        site = site.replace(shipped, test)
    return site


def _main_config(folder: Path, site: Path) -> str:
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    return f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / "access.log"};
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited:\n" + log.read_text(errors="replace"))
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("nginx did not listen within 15 s")


@pytest.fixture(scope="module")
def proxy(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("nginx")
    env = {
        "DATABASE_URL": database_url,
        "PWA_TRUSTED_PROXIES": "127.0.0.1",
        "PWA_PUSH_WORKER": "0",
        "PWA_METRICS_TOKEN": METRICS_TOKEN,
        "PWA_SECRET_KEY": "nginx-test-" + "k" * 40,
    }
    one = LiveServer({**env, "PWA_INSTANCE_DIR": str(folder / "web1")})
    two = LiveServer({**env, "PWA_INSTANCE_DIR": str(folder / "web2")})
    for app in (one, two):
        app.env["PWA_BASE_URL"] = "https://buudien.example.vn"
    https_port, http_port = free_port(), free_port()
    site = folder / "pwa.conf"
    with one, two:
        site.write_text(_site(folder, https_port, http_port, [one, two]))
        conf = folder / "nginx.conf"
        conf.write_text(_main_config(folder, site))
        assert NGINX is not None
        log = folder / "nginx.out"
        with log.open("wb") as sink:
            nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)], stdout=sink, stderr=sink)
        try:
            _wait_for_port(https_port, nginx, log)
            yield Proxy(https_port, http_port, folder / "cert.pem", [one, two])
        finally:
            nginx.terminate()
            nginx.wait(10)


def test_pages_come_over_https_compressed_with_hsts_and_host_cookies(proxy: Proxy) -> None:
    response = proxy.get("/pickups/new", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "Bưu điện" in gzip.decompress(response.body).decode()
    assert "max-age" in (response.getheader("Strict-Transport-Security") or "")
    cookies = response.headers.get_all("Set-Cookie") or []
    assert any(c.startswith("__Host-pwa_device=") and "Secure" in c for c in cookies)
    assert len(response.getheader("X-Request-ID") or "") == 32  # nginx's $request_id, passed through


def test_fingerprinted_static_files_are_cached_for_a_year(proxy: Proxy) -> None:
    versioned = proxy.get("/static/css/app.css?v=abc123", {"Accept-Encoding": "gzip"})
    assert versioned.status == 200
    assert versioned.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert versioned.getheader("Content-Encoding") == "gzip"
    assert versioned.getheader("X-Content-Type-Options") == "nosniff"
    assert proxy.get("/static/css/app.css").getheader("Cache-Control") == "no-cache"
    assert proxy.get("/static/nope.css").status == 404


def test_the_service_worker_is_never_cached(proxy: Proxy) -> None:
    response = proxy.get("/service_worker.js")
    assert response.status == 200 and response.getheader("Cache-Control") == "no-cache"


def test_plain_http_is_sent_to_https(proxy: Proxy) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    conn.request("GET", "/dossiers?x=1", headers={"Host": "buudien.example.vn"})
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 301
    assert response.getheader("Location") == "https://buudien.example.vn/dossiers?x=1"


def test_rate_limits_count_the_address_nginx_saw(proxy: Proxy, db: Database) -> None:
    forged = {"X-Forwarded-For": "203.0.113.66"}  # the client's own claim: nginx replaces it
    for _ in range(2):
        assert proxy.get("/api/v1/dossiers/H19.NOPE-7?secret=1234", forged).status == 404
    with db.read() as session:
        keys = session.exec(select(RateCounter.key).where(col(RateCounter.key).startswith("dossier:client:"))).all()
    assert set(keys) == {f"dossier:client:{CLIENT}"}


def test_both_app_processes_serve(proxy: Proxy) -> None:
    for _ in range(6):
        assert proxy.get("/healthz").status == 200
    for app in proxy.apps:
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        text = conn.getresponse().read().decode()
        conn.close()
        assert 'route="/healthz"' in text, f"no request reached the process on port {app.port}"


def test_metrics_are_not_served_through_the_proxy(proxy: Proxy) -> None:
    assert proxy.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"}).status == 403
