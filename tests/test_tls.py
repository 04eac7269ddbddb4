"""The local CA and server certificate of `serve --tls`, `testbed ca`, and HTTPS end to end."""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testbed import tls
from testbed.cli import main
from testbed.serving import AdmittedSite, Site, SiteError, run_sites
from testbed.typedefs import RUNTIME
from tests.test_serve import ADMIN, free_port, serving

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def ca_dir(tmp_path: Path) -> Path:
    return tmp_path / "testbed-ca"


@pytest.fixture
def umask() -> Iterator[None]:
    """A permissive umask (0): the files' modes must come from the code, not from it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, name: str) -> ssl.SSLObject:
    """A TLS handshake in memory (no socket): the client's object once it verified the server."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client.wrap_bio(c_in, c_out, server_hostname=name)
    server_side = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(20):
        done = True
        for side, outgoing, peer_incoming in (
            (client_side, c_out, s_in),
            (server_side, s_out, c_in),
        ):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                done = False
            if data := outgoing.read():
                peer_incoming.write(data)
        if done:
            return client_side
    raise AssertionError("the handshake did not finish")


# -- the CA and the server certificate -------------------------------------------------------------


def test_ca_directory_is_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls.ca_directory(str(tmp_path / "x" / "world.db")) == tmp_path / "x" / "testbed-ca"
    monkeypatch.chdir(tmp_path)
    assert tls.ca_directory("world.db") == tmp_path / "testbed-ca"
    # no file for :memory:, so the current directory's, the default --db's
    assert tls.ca_directory(":memory:") == tls.ca_directory("testbed.db") == tmp_path / "testbed-ca"


@posix_only
@pytest.mark.usefixtures("umask")
def test_ca_is_made_once_then_kept_with_a_private_key_only_its_owner_reads(ca_dir: Path) -> None:
    first = tls.ensure_ca(ca_dir)
    assert first.created
    assert mode(first.key_path) == 0o600
    assert mode(first.cert_path) == 0o644
    key_bytes, cert_bytes = first.key_path.read_bytes(), first.cert_path.read_bytes()
    assert b"PRIVATE KEY" in key_bytes and cert_bytes == first.pem()

    again = tls.ensure_ca(ca_dir)
    assert not again.created
    assert again.fingerprint() == first.fingerprint()
    assert (again.key_path.read_bytes(), again.cert_path.read_bytes()) == (key_bytes, cert_bytes)

    constraints = again.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert again.certificate.not_valid_after_utc - datetime.now(UTC) > timedelta(days=3000)


@posix_only
def test_a_kept_key_that_others_may_read_goes_back_to_0600(ca_dir: Path) -> None:
    tls.ensure_ca(ca_dir)
    (ca_dir / tls.CA_KEY).chmod(0o644)
    tls.ensure_ca(ca_dir)
    assert mode(ca_dir / tls.CA_KEY) == 0o600


def test_half_a_ca_or_a_foreign_key_is_refused_not_replaced(ca_dir: Path, tmp_path: Path) -> None:
    tls.ensure_ca(ca_dir)
    cert = (ca_dir / tls.CA_CERT).read_bytes()
    (ca_dir / tls.CA_KEY).unlink()
    with pytest.raises(tls.TLSError, match=r"ca-key\.pem is not") as e:
        tls.ensure_ca(ca_dir)
    assert "delete" in str(e.value)
    assert (ca_dir / tls.CA_CERT).read_bytes() == cert  # a trusted CA is never replaced

    other = tls.ensure_ca(tmp_path / "other")
    shutil.copy(other.key_path, ca_dir / tls.CA_KEY)
    with pytest.raises(tls.TLSError, match="is not the key of"):
        tls.ensure_ca(ca_dir)


def test_a_ca_of_ones_own_is_used_as_it_is(ca_dir: Path) -> None:
    """mkcert's, say: another subject, an EC key, no name constraints."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "my own dev CA")])
    now = datetime.now(UTC)
    own = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    ca_dir.mkdir()
    (ca_dir / tls.CA_CERT).write_bytes(own.public_bytes(serialization.Encoding.PEM))
    (ca_dir / tls.CA_KEY).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ca = tls.ensure_ca(ca_dir)
    assert not ca.created and ca.certificate == own
    server = tls.ensure_server_certificate(ca)
    # never beyond the CA's own end
    assert server.certificate.not_valid_after_utc == own.not_valid_after_utc
    client = ssl.create_default_context(cafile=str(ca.cert_path))
    assert handshake(server.context(), client, "testapi.openbanking.or.kr").getpeercert()


def names_of(certificate: x509.Certificate) -> set[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*san.get_values_for_type(x509.DNSName)} | {
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    }


@posix_only
@pytest.mark.usefixtures("umask")
def test_server_certificate_names_and_issuer(ca_dir: Path) -> None:
    ca = tls.ensure_ca(ca_dir)
    server = tls.ensure_server_certificate(ca)
    assert server.issued == "missing"
    certificate = server.certificate
    assert names_of(certificate) == {
        "testapi.openbanking.or.kr",
        "openapi.openbanking.or.kr",
        "localhost",
        "127.0.0.1",
        "::1",
    }
    certificate.verify_directly_issued_by(ca.certificate)  # raises if not the CA's
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=300) < lifetime <= timedelta(days=825)  # Apple's ceiling
    assert mode(server.key_path) == 0o600 and mode(server.cert_path) == 0o644

    kept = tls.ensure_server_certificate(tls.ensure_ca(ca_dir))
    assert kept.issued == ""
    assert kept.certificate.serial_number == certificate.serial_number


def test_server_certificate_is_issued_again_for_other_names(ca_dir: Path) -> None:
    ca = tls.ensure_ca(ca_dir)
    narrow = tls.ensure_server_certificate(ca, ("localhost", "127.0.0.1"))
    assert names_of(narrow.certificate) == {"localhost", "127.0.0.1"}
    key_before = narrow.key_path.read_bytes()

    full = tls.ensure_server_certificate(ca)
    assert full.issued == "for other names"
    assert names_of(full.certificate) == set(tls.SERVER_NAMES)
    assert full.key_path.read_bytes() != key_before  # a new key with it
    assert tls.ensure_server_certificate(ca).issued == ""


def test_server_certificate_is_issued_again_when_it_ends(ca_dir: Path) -> None:
    ca = tls.ensure_ca(ca_dir)
    now = datetime.now(UTC)
    tls.ensure_server_certificate(ca, now=now - timedelta(days=400))
    assert tls.ensure_server_certificate(ca).issued == "expired"
    tls.ensure_server_certificate(ca, now=now - timedelta(days=350))  # 15 days left
    assert tls.ensure_server_certificate(ca).issued == "expires soon"
    renewed = tls.ensure_server_certificate(ca)
    assert renewed.issued == ""
    assert renewed.certificate.not_valid_after_utc > now + timedelta(days=300)


def test_server_certificate_of_another_ca_is_issued_again(ca_dir: Path, tmp_path: Path) -> None:
    other = tls.ensure_ca(tmp_path / "other")
    foreign = tls.ensure_server_certificate(other)
    ca = tls.ensure_ca(ca_dir)
    shutil.copy(foreign.cert_path, ca_dir / tls.SERVER_CERT)
    shutil.copy(foreign.key_path, ca_dir / tls.SERVER_KEY)
    server = tls.ensure_server_certificate(ca)
    assert server.issued == "issued by another CA"
    server.certificate.verify_directly_issued_by(ca.certificate)


def test_a_client_trusting_the_ca_verifies_every_name_and_no_other(ca_dir: Path) -> None:
    ca = tls.ensure_ca(ca_dir)
    server = tls.ensure_server_certificate(ca).context()
    client = ssl.create_default_context(cafile=str(ca.cert_path))
    for name in tls.SERVER_NAMES:
        assert handshake(server, client, name).getpeercert()
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        handshake(server, client, "example.com")
    # the default trust store knows nothing of this CA
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        handshake(server, ssl.create_default_context(), "testapi.openbanking.or.kr")


def test_the_ca_cannot_vouch_for_other_names(ca_dir: Path, tmp_path: Path) -> None:
    """Its name constraints: even its own key cannot make a certificate for another site."""
    ca = tls.ensure_ca(ca_dir)
    rogue_dir = tmp_path / "rogue"
    rogue_dir.mkdir()
    shutil.copy(ca.cert_path, rogue_dir / tls.CA_CERT)
    shutil.copy(ca.key_path, rogue_dir / tls.CA_KEY)
    rogue = tls.ensure_server_certificate(tls.ensure_ca(rogue_dir), ("www.example.com",))
    rogue.certificate.verify_directly_issued_by(ca.certificate)  # validly signed ...
    client = ssl.create_default_context(cafile=str(ca.cert_path))
    with pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"):
        handshake(rogue.context(), client, "www.example.com")  # ... and refused


# -- testbed ca ------------------------------------------------------------------------------------


def test_ca_command_exports_the_pem_and_says_how_to_trust_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "world.db"
    exported = tmp_path / "out" / "ca.pem"
    exported.parent.mkdir()
    assert main(["ca", "--db", str(db), "--export", str(exported)]) == 0
    out = capsys.readouterr().out
    kept = tmp_path / "testbed-ca" / "ca.pem"
    assert exported.read_bytes() == kept.read_bytes()
    certificate = x509.load_pem_x509_certificate(exported.read_bytes())
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert str(kept) in out and str(exported) in out
    assert "127.0.0.1 testapi.openbanking.or.kr openapi.openbanking.or.kr" in out
    for how in (
        "update-ca-certificates",
        "security add-trusted-cert",
        "certutil -addstore",
        "keytool -importcert",
        "NODE_EXTRA_CA_CERTS=",
        "SSL_CERT_FILE=",
        "REQUESTS_CA_BUNDLE=",
        "curl --cacert",
        f"testbed serve --tls --db {db}",
    ):
        assert how in out, how
    assert "made now" in out

    # the second time: the same CA, kept; into a directory; and alone on stdout
    assert main(["ca", "--db", str(db), "--export", str(exported.parent)]) == 0
    assert "(kept)" in capsys.readouterr().out
    assert (exported.parent / "kftc-testbed-ca.pem").read_bytes() == kept.read_bytes()
    assert main(["ca", "--db", str(db), "--export", "-"]) == 0
    assert capsys.readouterr().out == kept.read_text()


# -- serve --tls -----------------------------------------------------------------------------------


def test_serve_refuses_tls_options_that_cannot_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "t.db")
    assert main(["serve", "--db", db, "--tls-port", "9443"]) == 2
    assert "--tls-port needs --tls" in capsys.readouterr().err
    assert main(["serve", "--db", db, "--tls", "--port", "9443", "--tls-port", "9443"]) == 2
    assert "must differ" in capsys.readouterr().err
    assert not Path(db).exists()  # refused before anything was opened


def test_serve_tls_adds_an_https_site_beside_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from testbed import cli

    ran: list[tuple[web.Application, list[Site]]] = []
    monkeypatch.setattr(cli, "run_sites", lambda app, sites, **kw: ran.append((app, [*sites])))
    before = gc.get_threshold()
    try:
        args = ["serve", "--db", str(tmp_path / "w.db"), "--users", "2", "--admin-token", "x"]
        assert main([*args, "--port", "9080", "--tls", "--tls-port", "9443"]) == 0
    finally:
        gc.set_threshold(*before)
        for app, _ in ran:
            app[RUNTIME].close()
    [(app, sites)] = ran
    plain, secure = sites
    assert (plain.url, plain.ssl_context) == ("http://127.0.0.1:9080", None)
    assert secure.url == "https://127.0.0.1:9443" and secure.ssl_context is not None
    assert app[RUNTIME].settings.tls and app[RUNTIME].settings.tls_port == 9443
    ca = tmp_path / "testbed-ca" / "ca.pem"
    client = ssl.create_default_context(cafile=str(ca))
    assert handshake(secure.ssl_context, client, "testapi.openbanking.or.kr").getpeercert()
    out = capsys.readouterr().out
    assert "https://testapi.openbanking.or.kr:9443" in out and str(ca) in out


def test_a_site_that_cannot_listen_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        loop = asyncio.new_event_loop()
        with pytest.raises(SiteError, match=f"cannot listen on https://127.0.0.1:{port}"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            run_sites(web.Application(), [Site("127.0.0.1", port, context)], loop=loop)
        assert loop.is_closed()


def test_a_privileged_port_refused_points_to_the_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(self: AdmittedSite) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(AdmittedSite, "start", refused)  # this machine may well be root's
    with pytest.raises(SiteError) as e:
        run_sites(web.Application(), [Site("127.0.0.1", 443)], loop=asyncio.new_event_loop())
    assert "cannot listen on http://127.0.0.1:443: Permission denied" in str(e.value)
    assert "setcap, authbind" in str(e.value) and "Point a hard-coded client" in str(e.value)


# -- serve --tls, end to end -----------------------------------------------------------------------


class KftcResolver(AbstractResolver):
    """The hosts-file line, for one client: the KFTC names are 127.0.0.1, nothing else resolves."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in tls.KFTC_HOSTS:
            raise OSError(f"{host}: no network beyond 127.0.0.1 in tests")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


async def get_json(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
    async with session.request(method, url, **kw) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json(content_type=None)


@pytest.mark.subprocess
async def test_serve_tls_answers_a_client_that_trusts_only_the_exported_ca(tmp_path: Path) -> None:
    db = tmp_path / "tls.db"
    tls_port = free_port()
    with serving(db, "--tls", "--tls-port", str(tls_port)) as (port, proc):
        # the client's side: the CA as `testbed ca --export` writes it, nothing else
        exported = tmp_path / "exported-ca.pem"
        ca_run = subprocess.run(
            [sys.executable, "-m", "testbed", "ca", "--db", str(db), "--export", str(exported)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ca_run.returncode == 0, ca_run.stderr
        assert "(kept)" in ca_run.stdout  # the server's CA, made when it started
        trusting = ssl.create_default_context(cafile=str(exported))
        base = f"https://testapi.openbanking.or.kr:{tls_port}"
        connector = aiohttp.TCPConnector(ssl=trusting, resolver=KftcResolver())
        async with aiohttp.ClientSession(connector=connector) as session:
            anonymous = await get_json(session, "GET", f"{base}/v2.0/bank/status")
            assert anonymous["rsp_code"] == "O0001"  # a KFTC answer, over verified TLS

            admin = {"Authorization": f"Bearer {ADMIN}"}
            clients = await get_json(session, "GET", f"{base}/testbed/clients", headers=admin)
            fintech = clients["clients"][0]
            token = await get_json(
                session,
                "POST",
                f"{base}/oauth/2.0/token",
                data={
                    "client_id": fintech["client_id"],
                    "client_secret": fintech["client_secret"],
                    "scope": "oob",
                    "grant_type": "client_credentials",
                },
            )
            status = await get_json(
                session,
                "GET",
                f"{base}/v2.0/bank/status",
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            assert status["rsp_code"] == "A0000", status
            assert len(status["res_list"]) == 18

        # a client with the default trust store: the certificate does not verify
        connector = aiohttp.TCPConnector(resolver=KftcResolver())
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(aiohttp.ClientConnectorCertificateError) as refused:
                await get_json(session, "GET", f"{base}/v2.0/bank/status")
        assert isinstance(refused.value.certificate_error, ssl.SSLCertVerificationError)

        # the stdlib's own check of the other KFTC name, on the socket
        with (
            socket.create_connection(("127.0.0.1", tls_port), timeout=10) as raw,
            trusting.wrap_socket(raw, server_hostname="openapi.openbanking.or.kr") as tls_sock,
        ):
            peer = tls_sock.getpeercert()
        assert peer and ("DNS", "openapi.openbanking.or.kr") in peer["subjectAltName"]
        with (
            socket.create_connection(("127.0.0.1", tls_port), timeout=10) as raw,
            pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"),
        ):
            trusting.wrap_socket(raw, server_hostname="api.example.com")

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0  # a graceful stop, as without --tls
        out = proc.stdout.read() if proc.stdout else ""
    assert f"http://127.0.0.1:{port}" in out  # plain HTTP goes on beside (serving() used it)
    assert f"https://127.0.0.1:{tls_port}" in out
    assert f"https://testapi.openbanking.or.kr:{tls_port}" in out
    assert str(tmp_path / "testbed-ca" / "ca.pem") in out
