"""Transport errors read plainly, for both SDKs and both HTTP transports (aiohttp, httpx)."""

import shutil
import socket
import ssl
import subprocess
import threading

import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.models import check_model
from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles
from tests.conftest import SPORTS


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-transport-3333")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-canary-transport-4444")


@pytest.fixture(params=["aiohttp", "httpx"])
def transport(request, monkeypatch):
    from chaos.models import _remote

    if request.param == "aiohttp":
        pytest.importorskip("aiohttp")
    else:
        monkeypatch.setattr(_remote, "_aiohttp_transport", lambda: None)
    return request.param


def free_port():
    with socket.socket() as sock:  # free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves: `behaviour(conn)` for each connection."""

    def __init__(self, behaviour, wrap=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.behaviour, self.wrap, self.open = behaviour, wrap, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(conn)
            try:
                if self.wrap is not None:
                    conn = self.wrap(conn)
                self.behaviour(conn)
            except OSError:
                pass

    def close(self):
        self.sock.close()
        for conn in self.open:
            conn.close()


def _closes(conn):
    conn.recv(65536)
    conn.close()


def _resets(conn):
    conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


def _not_http(conn):
    conn.recv(65536)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    conn.close()


def _silent(conn):
    conn.recv(65536)  # and never answers


@pytest.fixture
def server(request):
    servers = []

    def start(behaviour, wrap=None):
        servers.append(RawServer(behaviour, wrap))
        return servers[-1].port

    yield start
    for s in servers:
        s.close()


def base(provider, scheme, host, port):
    return f"{scheme}://{host}:{port}" + ("/v1" if provider == "openai" else "")


def report(provider, url, timeout_s=None):
    return check_model(f"{provider}/careful", url, timeout_s=timeout_s).report


def plain(text):
    """Nothing of the SDKs' or transports' own wording leaks through."""
    assert "ssl:default" not in text and "APITimeoutError" not in text
    assert "Connection error." not in text
    return text


PROVIDERS = ["openai", "anthropic"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refused_connection(provider, transport):
    url = base(provider, "http", "127.0.0.1", free_port())
    assert plain(report(provider, url)).endswith(f"cannot connect to {url} (connection refused)")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_unknown_host(provider, transport):
    url = "http://no-such-host.invalid" + ("/v1" if provider == "openai" else "")  # RFC 6761
    text = plain(report(provider, url))
    assert f"cannot connect to {url} (host name not found: " in text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_https_to_a_plain_http_server(provider, transport, server):
    url = base(provider, "https", "127.0.0.1", server(_not_http))
    text = plain(report(provider, url))
    assert f"cannot connect to {url} (TLS handshake failed: " in text
    assert "use http://" in text


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return lambda conn: context.wrap_socket(conn, server_side=True)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_certificate_that_is_not_trusted(provider, transport, server, self_signed):
    url = base(provider, "https", "127.0.0.1", server(_silent, wrap=self_signed))
    text = plain(report(provider, url))
    assert f"cannot connect to {url} (TLS certificate not accepted: " in text
    assert "self" in text and "signed" in text


@pytest.mark.parametrize("behaviour", [_closes, _resets])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_server_that_hangs_up_without_answering(provider, transport, server, behaviour):
    url = base(provider, "http", "127.0.0.1", server(behaviour))
    assert f"lost the connection to {url} (" in plain(report(provider, url))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_server_that_does_not_speak_http(provider, transport, server):
    url = base(provider, "http", "127.0.0.1", server(_not_http))
    text = plain(report(provider, url))
    assert f"{url} answered with something that is not valid HTTP (" in text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_server_that_never_answers(provider, transport, server):
    url = base(provider, "http", "127.0.0.1", server(_silent))
    text = plain(report(provider, url, timeout_s=0.5))
    assert text.endswith(f"no answer from {url} within 0.5 s (timed out)")


def test_a_url_that_is_not_http():
    text = plain(check_model("openai/careful", "ftp://127.0.0.1/v1").report)
    assert "base_url must start with http:// or https://" in text


def test_a_crashed_episode_says_it_could_not_connect(transport):
    url = f"http://127.0.0.1:{free_port()}/v1"
    text = SPORTS.read_text()
    head, _, tail = text.partition("models:\n")
    text = (head + f"models:\n  - {{provider: openai, model: careful, base_url: '{url}'}}\n"
            + tail[tail.index("\nlimits:"):])
    results = run_profiles([LoadedProfile(parse_profile(text), "p.yaml", "0" * 64)],
                           RunOptions(seed=0, arms=("clean",)))
    (episode,) = results.episodes
    assert episode.status == "crashed"
    assert f"cannot connect to {url} (connection refused)" in plain(episode.error)


def test_models_check_prints_it(transport):
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = CliRunner().invoke(main, ["models", "check", "openai/careful", "--base-url", url])
    assert result.exit_code == 1
    assert result.output == f"openai/careful: the call failed: cannot connect to {url} " \
                            "(connection refused)\n"
