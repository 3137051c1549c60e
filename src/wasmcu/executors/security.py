"""Who may use a Dask cluster: TLS certificates for `--cluster tls://`, and what an open `tcp://` scheduler allows.

A Dask scheduler runs whatever a connected client sends, on every worker, as the user the
worker runs as. On `tcp://` anyone who reaches the scheduler's port is such a client, and
the traffic is plain text. On `tls://` the scheduler, the workers and the client each show a
certificate signed by the cluster's own certificate authority (CA), and each refuses a peer
whose certificate that CA did not sign (Dask's `distributed.security.Security`: mutual TLS).

The client's certificate comes from `--tls-ca/--tls-cert/--tls-key`, or from Dask's
configuration (`distributed.comm.tls.ca-file`, `distributed.comm.tls.client.cert` and
`.key`: a YAML file in ~/.config/dask/ or the DASK_DISTRIBUTED__COMM__TLS__... environment
variables), a flag overriding the configuration.
"""

from __future__ import annotations

import logging
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from ..errors import WasmcuError

log = logging.getLogger("wasmcu")

DOCS = "docs/cluster-security.md"
OPEN_WARNING = ("the Dask scheduler at {address} is open (tcp://): anyone who can reach its port can make every "
                "worker run any Python code as the user the worker runs as (Dask runs whatever a client sends), "
                "and cells, results and paths cross the network in plain text; on a network you do not trust "
                "alone, start the scheduler and workers with TLS certificates and use tls://HOST:PORT with "
                "--tls-ca/--tls-cert/--tls-key (see " + DOCS + ")")


@dataclass(frozen=True)
class TlsFiles:
    """The client's side of a TLS cluster: the CA that signed the cluster's certificates, and
    this client's certificate and key (None: the key is in the certificate's file)."""

    ca: str
    cert: str
    key: str | None = None


def scheme_of(address: str) -> str:
    scheme, sep, _ = address.partition("://")
    return scheme if sep else "tcp"


def _from_config() -> dict:
    try:
        import dask.config
    except ImportError:  # pragma: no cover - distributed depends on dask
        return {}
    def get(key):  # one key at a time: dask matches ca-file and ca_file (YAML and environment variables)
        return dask.config.get(f"distributed.comm.tls.{key}", default=None)

    return {"ca": get("ca-file"), "cert": get("client.cert"), "key": get("client.key")}


def tls_files(address: str, ca=None, cert=None, key=None) -> TlsFiles | None:
    """The TLS files to connect to `address` with: None for tcp://; for tls://, the flags over
    Dask's configuration, checked to be readable files. A clear error when something is missing."""
    given = {"--tls-ca": ca, "--tls-cert": cert, "--tls-key": key}
    scheme = scheme_of(address)
    if scheme != "tls":
        named = [flag for flag, value in given.items() if value]
        if named:
            raise WasmcuError(f"{', '.join(named)} apply to a scheduler that speaks TLS: give its address as "
                              f"tls://HOST:PORT (got '{address}')")
        return None
    config = _from_config()
    ca, cert, key = ca or config["ca"], cert or config["cert"], key or config["key"]
    missing = [what for what, value in (("--tls-ca (the CA certificate that signed the cluster's certificates)", ca),
                                        ("--tls-cert (this client's certificate, signed by that CA)", cert))
               if not value]
    if missing:
        raise WasmcuError(f"--cluster {address} speaks TLS: wasmcu needs {' and '.join(missing)}, with --tls-key "
                          "when the key is in a file of its own; or Dask's configuration distributed.comm.tls.ca-file, "
                          f"distributed.comm.tls.client.cert and .key (see {DOCS} for making them); nothing was run")
    for flag, value in (("--tls-ca", ca), ("--tls-cert", cert), ("--tls-key", key)):
        if value is None:
            continue
        path = Path(value).expanduser()
        if not path.is_file():
            raise WasmcuError(f"{flag} {value}: no such file (a PEM file; see {DOCS}); nothing was run")
        try:
            path.read_bytes()
        except OSError as exc:
            raise WasmcuError(f"{flag} {value}: cannot read it ({exc.strerror}); nothing was run") from None
    files = TlsFiles(str(Path(ca).expanduser()), str(Path(cert).expanduser()),
                     str(Path(key).expanduser()) if key else None)
    try:
        client_context(files)
    except ssl.SSLError as exc:
        raise WasmcuError(f"the TLS files are not usable ({exc.reason or exc}): --tls-ca must be the CA's certificate, "
                          "--tls-cert this client's certificate and --tls-key its private key, all PEM "
                          f"(see {DOCS}); nothing was run") from None
    return files


def client_context(files: TlsFiles) -> ssl.SSLContext:
    """The client's TLS context, as Dask makes it: the cluster's CA only, a certificate of our
    own, host names not checked (a cluster's own CA signs its members; they are reached by address)."""
    ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=files.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(files.cert, files.key)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def security(files: TlsFiles | None):
    """Dask's Security for the client (None: the default, no TLS)."""
    if files is None:
        return None
    from distributed.security import Security

    return Security(tls_ca_file=files.ca, tls_client_cert=files.cert, tls_client_key=files.key,
                    require_encryption=True)


def check_tls(address: str, host: str, port: int, files: TlsFiles, timeout: float) -> None:
    """Shake hands with the scheduler before Dask does, to say plainly which side refused:
    the scheduler's certificate not signed by our CA, or ours refused by the scheduler."""
    ctx = client_context(files)
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return  # check_address has said what is wrong with reaching it
    try:
        with ctx.wrap_socket(raw, server_hostname=host) as conn:
            conn.settimeout(min(timeout, 2.0))
            try:  # TLS 1.3: a scheduler that refuses our certificate says so after the handshake
                data = conn.recv(1)
            except (socket.timeout, TimeoutError):
                return  # it waits for us to speak: accepted
            if not data:
                raise WasmcuError(f"the scheduler at {address} closed the connection after the TLS handshake: it "
                                  "did not accept this client's certificate. --tls-cert must be signed by the CA "
                                  f"the scheduler trusts (its --tls-ca-file; see {DOCS}); nothing was run")
    except ssl.SSLCertVerificationError as exc:
        raise WasmcuError(f"the scheduler at {address} shows a certificate that --tls-ca did not sign "
                          f"({exc.verify_message}): give the CA certificate of that cluster (see {DOCS}); "
                          "nothing was run") from None
    except ssl.SSLError as exc:
        what = exc.reason or str(exc)
        if "ALERT" in what.upper():
            raise WasmcuError(f"the scheduler at {address} refused this client's certificate ({what}): --tls-cert "
                              f"must be signed by the CA the scheduler trusts (its --tls-ca-file; see {DOCS}); "
                              "nothing was run") from None
        raise WasmcuError(f"the TLS handshake with {address} failed ({what}): is a scheduler started with TLS "
                          "listening there (`dask scheduler --protocol tls --tls-ca-file ... --tls-cert ... --tls-key "
                          f"...`)? A plain one takes tcp://HOST:PORT (see {DOCS}); nothing was run") from None
    except (ConnectionResetError, BrokenPipeError) as exc:
        raise WasmcuError(f"the scheduler at {address} dropped the connection during the TLS handshake ({exc}): "
                          "it did not accept this client's certificate, or does not speak TLS on that port "
                          f"(see {DOCS}); nothing was run") from None
    except OSError:
        return  # a network hiccup: Dask's own connection says what happened


def warn_if_open(address: str) -> None:
    if scheme_of(address) == "tcp":
        log.warning(OPEN_WARNING.format(address=address))
