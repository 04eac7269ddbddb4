"""The local CA and the server certificate for the HTTPS drop-in (`serve --tls`, `testbed ca`).

Clients that hard-code `https://testapi.openbanking.or.kr` and verify TLS reach the
testbed when the name resolves to it (a hosts-file line) and they trust a CA that
vouches for it. The testbed makes that CA once, keeps it in a directory beside its
database (`testbed-ca/`: `ca.pem` 0644, `ca-key.pem` 0600) and reuses it on every
start, so a machine trusts it once. The server certificate (`server.pem`,
`server-key.pem` 0600) is issued by it for the KFTC host names, localhost, 127.0.0.1
and ::1, and issued again whenever it is missing, about to expire, for other names, or
not the current CA's.

The CA carries X.509 name constraints: it can vouch for those names only, so its key,
should it leak, cannot impersonate any other site to a machine that trusts it.

Two exceptions to the project's rules, both on purpose:
- Randomness: keys and serial numbers come from the operating system's random source
  (through `cryptography`), never from the world's seeded source. They are real
  secrets; determinism is for simulated data only.
- Time: validity is stamped from the wall clock, not the simulated one. Clients check
  a certificate against their own real clock; one dated by a clock set to another day
  (or running virtual) would be "not yet valid" or "expired" to all of them.

No aiohttp here: this module only makes files and an `ssl.SSLContext`.

One concept over ~500 lines: the local CA and the certificates it issues.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shlex
import ssl
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testbed.config.settings import DEFAULT_TLS_PORT

#: the hosts a hard-coded client calls: the real testbed's and production's
KFTC_HOSTS = ("testapi.openbanking.or.kr", "openapi.openbanking.or.kr")
#: the names the server certificate is for (DNS names, then IP addresses)
SERVER_NAMES = (*KFTC_HOSTS, "localhost", "127.0.0.1", "::1")
#: the line that sends the KFTC host names to this machine
HOSTS_LINE = "127.0.0.1 " + " ".join(KFTC_HOSTS)
CA_DIRECTORY = "testbed-ca"

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SERVER_CERT = "server.pem"
SERVER_KEY = "server-key.pem"

#: a CA outlives many runs: machines trust it once
CA_LIFETIME = timedelta(days=3650)
#: Apple's platforms refuse TLS server certificates valid for more than 825 days, and
#: browsers more than 398 for public CAs: a year keeps every client content
SERVER_LIFETIME = timedelta(days=365)
#: a server certificate this close to its end is issued again at start
RENEW_BEFORE = timedelta(days=30)
#: validity starts this far back, for clients whose clock runs a little late
BACKDATE = timedelta(days=1)

_KEY_SIZE = 2048  # RSA: the key every TLS client accepts (old Java stacks included)
_Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_E = TypeVar("_E", bound=x509.ExtensionType)


class TLSError(Exception):
    """The CA directory holds something the testbed cannot use; the message says what to do."""


def ca_directory(db: str) -> Path:
    """Where the CA of a database lives: `testbed-ca/` beside the database file.

    One CA per directory, not per database: deleting or switching the database keeps
    the CA that machines already trust. `:memory:` has no file, so its CA is the
    current directory's, the same one as the default `--db testbed.db`'s.
    """
    base = Path.cwd() if db == ":memory:" else Path(db).resolve().parent
    return base / CA_DIRECTORY


@dataclass(frozen=True, slots=True)
class LocalCA:
    directory: Path
    certificate: x509.Certificate
    key: _Key
    created: bool  # made by this call (else kept from before)

    @property
    def cert_path(self) -> Path:
        return self.directory / CA_CERT

    @property
    def key_path(self) -> Path:
        return self.directory / CA_KEY

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    cert_path: Path
    key_path: Path
    certificate: x509.Certificate
    issued: str  # why it was issued by this call ("missing", "expires soon", ...), or ""

    def names(self) -> tuple[str, ...]:
        return _names_of(self.certificate)

    def context(self) -> ssl.SSLContext:
        """A server-side context presenting this certificate (TLS 1.2 or later)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def ensure_ca(directory: Path) -> LocalCA:
    """The CA kept in `directory`, made there first if the directory holds none.

    The directory is the owner's only (0700), whatever the umask: made so, or taken back
    to it when it already holds the CA's key (a directory given that is not the CA's own
    keeps its mode: its key file is 0600 in any case)."""
    made = not directory.exists()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and (made or (directory / CA_KEY).exists()):
        directory.chmod(0o700)  # mkdir's mode is less the umask; this is not
    with _locked(directory):
        cert_path, key_path = directory / CA_CERT, directory / CA_KEY
        if not cert_path.exists() and not key_path.exists():
            key = _new_key()
            certificate = _issue_ca(key)
            _write(key_path, _key_pem(key), 0o600)  # the key first: never a cert without it
            _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
            return LocalCA(directory, certificate, key, created=True)
        for present, absent in ((cert_path, key_path), (key_path, cert_path)):
            if not absent.exists():
                raise TLSError(
                    f"{present} is there but {absent} is not: put the missing file back, or"
                    f" delete {directory} to make a new CA (and trust the new one again)"
                )
        _tighten(key_path)
        certificate = _load_cert(cert_path)
        key = _load_key(key_path)
        if _spki(certificate.public_key()) != _spki(key.public_key()):
            raise TLSError(f"{key_path} is not the key of {cert_path}")
        constraints = _extension(certificate, x509.BasicConstraints)
        if constraints is None or not constraints.ca:
            raise TLSError(f"{cert_path} is not a CA certificate")
        if certificate.not_valid_after_utc <= _wall_clock():
            raise TLSError(
                f"the CA {cert_path} expired on {certificate.not_valid_after_utc:%Y-%m-%d}:"
                f" delete {directory} to make a new one (and trust the new one again)"
            )
        return LocalCA(directory, certificate, key, created=False)


def ensure_server_certificate(
    ca: LocalCA, names: Sequence[str] = SERVER_NAMES, *, now: datetime | None = None
) -> ServerCertificate:
    """The server certificate in the CA's directory, issued again if it does not fit.

    It fits when it and its key are there and belong together, it is the CA's, it is
    for exactly `names`, and it is valid from `now` (the wall clock) for longer than
    RENEW_BEFORE.
    """
    now = now or _wall_clock()
    cert_path, key_path = ca.directory / SERVER_CERT, ca.directory / SERVER_KEY
    with _locked(ca.directory):
        reason = _misfit(ca, cert_path, key_path, names, now)
        if not reason:
            return ServerCertificate(cert_path, key_path, _load_cert(cert_path), "")
        key = _new_key()
        certificate = _issue_server(ca, key, names, now)
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        return ServerCertificate(cert_path, key_path, certificate, reason)


def export(ca: LocalCA, destination: str, out: TextIO | None = None) -> Path | None:
    """Write the CA certificate (PEM) to a file, into a directory, or to stdout for "-"."""
    if destination == "-":
        (out or sys.stdout).write(ca.pem().decode("ascii"))
        return None
    path = Path(destination)
    if path.is_dir():
        path = path / "kftc-testbed-ca.pem"
    _write(path, ca.pem(), 0o644)
    return path


def instructions(ca: LocalCA, db: str = "testbed.db", tls_port: int = DEFAULT_TLS_PORT) -> str:
    """What `testbed ca` prints: the CA, the hosts line, and how to trust it, per platform."""
    cert = shlex.quote(str(ca.cert_path))
    serve_db = "" if db == "testbed.db" else f" --db {shlex.quote(db)}"
    url = f"https://{KFTC_HOSTS[0]}:{tls_port}/v2.0/bank/status"
    state = "made now" if ca.created else "kept"
    lines = [
        f"Local CA of the KFTC Open Banking testbed ({state})",
        f"  certificate   {ca.cert_path}",
        f"  subject       {ca.certificate.subject.rfc4514_string()}",
        f"  SHA-256       {ca.fingerprint()}",
        f"  valid until   {ca.certificate.not_valid_after_utc:%Y-%m-%d}",
        f"  private key   {ca.key_path} (mode 0600: whoever holds it can vouch for the names"
        " below to every machine that trusts this CA; it can vouch for no other name)",
        f"  vouches for   {', '.join(SERVER_NAMES)}",
        "",
        "1. Send the KFTC host names to this machine: add this line to /etc/hosts",
        r"   (Windows: C:\Windows\System32\drivers\etc\hosts, as administrator):",
        "",
        f"   {HOSTS_LINE}",
        "",
        "   While it is there, this machine cannot reach KFTC's own hosts: remove it after.",
        "",
        "2. Trust the CA where your client looks (one of these is enough for one client):",
        "",
        "   Debian/Ubuntu (the system store: curl, wget, OpenSSL, Debian's Python, Go):",
        f"     sudo cp {cert} /usr/local/share/ca-certificates/kftc-testbed.crt",
        "     sudo update-ca-certificates",
        "   macOS keychain (Safari, Chrome, URLSession; not Node, Java or python.org Python):",
        "     sudo security add-trusted-cert -d -r trustRoot"
        f" -k /Library/Keychains/System.keychain {cert}",
        "   Windows (as administrator; for your account only: certutil -user -addstore Root):",
        f"     certutil -addstore -f ROOT {cert}",
        "   Java (JDK 9+; Java 8: -keystore $JAVA_HOME/jre/lib/security/cacerts):",
        "     sudo keytool -importcert -noprompt -cacerts -storepass changeit"
        f" -alias kftc-testbed -file {cert}",
        "   Node.js (added to Node's own list):",
        f"     export NODE_EXTRA_CA_CERTS={cert}",
        "   Python: SSL_CERT_FILE (ssl, aiohttp, httpx, urllib), REQUESTS_CA_BUNDLE (requests);",
        "   each replaces the default list, so only the testbed is trusted while they are set:",
        f"     export SSL_CERT_FILE={cert} REQUESTS_CA_BUNDLE={cert}",
        "   curl, for one call:",
        f"     curl --cacert {cert} {url}",
        "",
        "3. Start the testbed with HTTPS beside HTTP:",
        "",
        f"   testbed serve --tls{serve_db}",
        f"   (HTTPS on port {DEFAULT_TLS_PORT}; --tls-port PORT for another)",
        "",
        "   A client whose URL has no port needs 443, which only root may open: the README's",
        '   "Point a hard-coded client at the testbed" gives the choices (setcap, authbind,',
        "   a port redirect); the testbed never needs root.",
        "",
        "To stop trusting it, undo step 2: delete the copied file and run",
        "`sudo update-ca-certificates --fresh`, `keytool -delete -cacerts -alias kftc-testbed`,",
        "or remove the certificate from the keychain or Windows' certificate store.",
    ]
    return "\n".join(lines) + "\n"


def banner(ca: LocalCA, server: ServerCertificate, host: str, tls_port: int) -> list[str]:
    """The lines `serve --tls` adds to its start-up banner."""
    kept = "made now" if ca.created else "kept"
    issued = f"issued now: {server.issued}" if server.issued else "kept"
    until = f"{server.certificate.not_valid_after_utc:%Y-%m-%d}"
    return [
        f"  https           https://{host}:{tls_port} and https://{KFTC_HOSTS[0]}:{tls_port}"
        f" (with /etc/hosts: {HOSTS_LINE})",
        f"  local CA        {ca.cert_path} ({kept}; `testbed ca` tells how to trust it)",
        f"  server cert     {server.cert_path} ({issued}; valid until {until})",
    ]


# -- issuing ------------------------------------------------------------------------


def _new_key() -> _Key:
    # the OS's random source (through OpenSSL), not the seeded one: a real secret
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def _issue_ca(key: _Key) -> x509.Certificate:
    now = _wall_clock()
    made = now.strftime("%Y-%m-%d %H:%M:%S")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "KFTC Open Banking testbed"),
            # the moment tells one machine's CA from another in a certificate store
            x509.NameAttribute(NameOID.COMMON_NAME, f"kftc-testbed local CA {made}Z"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())  # os.urandom
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=_general_names(SERVER_NAMES, ca=True), excluded_subtrees=None
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issue_server(ca: LocalCA, key: _Key, names: Sequence[str], now: datetime) -> x509.Certificate:
    dns = [n for n in names if not _is_ip(n)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0] if dns else names[0])])
    ski = _extension(ca.certificate, x509.SubjectKeyIdentifier)
    aki = (
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        if ski is not None
        else x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SERVER_LIFETIME, ca.certificate.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca.key, hashes.SHA256())
    )


def _misfit(
    ca: LocalCA, cert_path: Path, key_path: Path, names: Sequence[str], now: datetime
) -> str:
    """Why the server certificate must be issued again, or "" if it fits."""
    if not cert_path.exists() or not key_path.exists():
        return "missing"
    try:
        certificate = _load_cert(cert_path)
        key = _load_key(key_path)
    except TLSError:
        return "unreadable"
    if _spki(certificate.public_key()) != _spki(key.public_key()):
        return "its key is another's"
    try:
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return "issued by another CA"
    if sorted(_names_of(certificate)) != sorted(_canonical(n) for n in names):
        return "for other names"
    if certificate.not_valid_before_utc > now:
        return "not valid yet"
    if certificate.not_valid_after_utc - RENEW_BEFORE <= now:
        return "expired" if certificate.not_valid_after_utc <= now else "expires soon"
    return ""


# -- helpers --------------------------------------------------------------------------


def _wall_clock() -> datetime:
    # the real clock, on purpose: clients check validity against theirs (module docstring)
    return datetime.now(UTC).replace(microsecond=0)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _canonical(name: str) -> str:
    return str(ipaddress.ip_address(name)) if _is_ip(name) else name.lower()


def _general_names(names: Sequence[str], *, ca: bool = False) -> list[x509.GeneralName]:
    """DNS names and IP addresses; for a CA's constraints, each IP as a one-address network."""
    out: list[x509.GeneralName] = []
    for name in names:
        if not _is_ip(name):
            out.append(x509.DNSName(name.lower()))
        elif ca:
            out.append(x509.IPAddress(ipaddress.ip_network(name)))
        else:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
    return out


def _names_of(certificate: x509.Certificate) -> tuple[str, ...]:
    san = _extension(certificate, x509.SubjectAlternativeName)
    if san is None:
        return ()
    dns = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return (*dns, *ips)


def _extension(certificate: x509.Certificate, kind: type[_E]) -> _E | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _spki(public: object) -> bytes:
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_pem(key: _Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as e:
        raise TLSError(f"{path}: not a PEM certificate ({e})") from None


def _load_key(path: Path) -> _Key:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise TLSError(f"{path}: not an unencrypted PEM private key ({e})") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TLSError(f"{path}: an RSA or EC key is needed, not {type(key).__name__}")
    return key


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write a file whole (a reader never sees half of it) with exactly this mode.

    A key is created 0600 from its first byte, not chmod-ed after being written.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, mode)  # the umask may have taken bits a cert needs
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _tighten(key_path: Path) -> None:
    """A kept key that others may read (copied, unpacked) goes back to 0600."""
    if os.name == "posix" and key_path.stat().st_mode & 0o077:
        key_path.chmod(0o600)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process at a time makes the CA or the server certificate (POSIX file lock).

    Without it two first starts (`testbed ca` and `testbed serve --tls` together) could
    each write a CA and leave one's key beside the other's certificate. Where fcntl does
    not exist (Windows) there is no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
