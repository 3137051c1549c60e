"""`wasmcu bench --cluster tls://`: a Dask scheduler and worker started with certificates this
test makes (its own CA), on the loopback interface; a client whose certificate another CA
signed is refused, by the scheduler itself and with a clear message from wasmcu."""

import datetime
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DaskProcesses, bench_json, wasmcu

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

if importlib.util.find_spec("distributed") is None or importlib.util.find_spec("cryptography") is None:
    pytest.skip("needs the Python packages distributed and cryptography (scripts/setup.sh installs them)",
                allow_module_level=True)

CELLS = ["--device", "host", "--runtime", "native", "--workload", "crc16:20", "--lang", "c", "--repeat", "3",
         "--warmup", "1"]


def make_ca(d: Path, name: str):
    """A certificate authority: (its certificate file, a function making certificates it signs)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def write(stem: str, cert, key) -> tuple[Path, Path]:
        (d / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (d / f"{stem}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
        return d / f"{stem}.pem", d / f"{stem}.key"

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    ca_file, _ = write(f"{name}-ca", ca, ca_key)

    def issue(stem: str) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, stem)])).issuer_name(ca_name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        return write(f"{name}-{stem}", cert, key)

    return ca_file, issue


class TlsCluster(DaskProcesses):
    """`dask scheduler --protocol tls` and one `dask worker`, both with certificates of `ca`."""

    def __init__(self, tmp: Path, ca: Path, issue):
        super().__init__(tmp)
        sched_cert, sched_key = issue("scheduler")
        worker_cert, worker_key = issue("worker")
        file = tmp / "scheduler.json"
        self.start(["scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--tls-ca-file", str(ca), "--tls-cert", str(sched_cert), "--tls-key", str(sched_key),
                    "--scheduler-file", str(file)], "scheduler")
        self.address = self.scheduler_address(file)
        assert self.address.startswith("tls://127.0.0.1:")
        self.start(["worker", self.address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                    "--no-dashboard", "--name", "tls-worker", "--tls-ca-file", str(ca), "--tls-cert",
                    str(worker_cert), "--tls-key", str(worker_key)], "worker")
        self.wait_until(lambda: "Register worker" in (tmp / "scheduler.log").read_text(), "worker")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca, issue = make_ca(d, "cluster")
    client = issue("client")
    rogue_ca, rogue_issue = make_ca(d, "rogue")
    return {"dir": d, "ca": ca, "issue": issue, "client": client, "rogue_ca": rogue_ca, "rogue": rogue_issue("client")}


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory, pki):
    c = TlsCluster(tmp_path_factory.mktemp("tls-cluster"), pki["ca"], pki["issue"])
    yield c
    c.close()


def _tls_flags(ca, cert_key) -> list[str]:
    return ["--tls-ca", str(ca), "--tls-cert", str(cert_key[0]), "--tls-key", str(cert_key[1])]


@pytest.mark.slow
def test_a_client_with_the_clusters_certificate_runs_cells_over_tls(tls_cluster, pki, tmp_path):
    proc, cells = bench_json(*CELLS, "--cluster", tls_cluster.address, *_tls_flags(pki["ca"], pki["client"]),
                             "--db", str(tmp_path / "a.sqlite"))
    assert proc.returncode == 0, proc.stderr
    assert [(c["status"], c["checksum"]) for c in cells] == [("ok", cells[0]["expected"])]
    assert cells[0]["provenance"]["worker"]["name"] == "tls-worker"
    assert "is open (tcp://)" not in proc.stderr
    # the same files from Dask's configuration (here its environment variables) instead of the flags
    env = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(pki["ca"]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(pki["client"][0]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(pki["client"][1])}
    proc, cells = bench_json(*CELLS, "--cluster", tls_cluster.address, "--db", str(tmp_path / "b.sqlite"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert [c["status"] for c in cells] == ["ok"]


@pytest.mark.slow
def test_a_client_whose_certificate_another_ca_signed_is_refused(tls_cluster, pki, tmp_path):
    db = tmp_path / "refused.sqlite"
    # wasmcu's client: a clear message, nothing stored
    proc = wasmcu("bench", *CELLS, "--cluster", tls_cluster.address, *_tls_flags(pki["ca"], pki["rogue"]),
                  "--db", str(db))
    assert proc.returncode != 0
    assert f"the scheduler at {tls_cluster.address} refused this client's certificate" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    # the scheduler's certificate checked too: a client trusting another CA says so
    proc = wasmcu("bench", *CELLS, "--cluster", tls_cluster.address, *_tls_flags(pki["rogue_ca"], pki["client"]),
                  "--db", str(db))
    assert proc.returncode != 0
    assert "shows a certificate that --tls-ca did not sign" in proc.stderr, proc.stderr
    # no certificate at all
    proc = wasmcu("bench", *CELLS, "--cluster", tls_cluster.address, "--db", str(db))
    assert proc.returncode != 0 and "speaks TLS: wasmcu needs --tls-ca" in proc.stderr, proc.stderr
    if db.exists():
        from wasmcu.store import Store

        with Store(db) as store:
            assert store.runs() == []
    # and Dask's own client, without wasmcu's check, cannot submit anything either
    script = ("import sys\nfrom distributed import Client\nfrom distributed.security import Security\n"
              "sec = Security(tls_ca_file=sys.argv[2], tls_client_cert=sys.argv[3], tls_client_key=sys.argv[4])\n"
              "try:\n    c = Client(sys.argv[1], security=sec, timeout=5)\nexcept Exception as e:\n"
              "    print('refused', type(e).__name__); sys.exit(0)\n"
              "print('connected', c.submit(sum, [1, 2]).result(timeout=5)); sys.exit(1)\n")
    proc = subprocess.run([sys.executable, "-c", script, tls_cluster.address, str(pki["ca"]),
                           str(pki["rogue"][0]), str(pki["rogue"][1])], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("refused"), proc.stdout + proc.stderr


def test_an_open_tcp_scheduler_is_warned_about(tmp_path):
    proc = wasmcu("bench", *CELLS, "--cluster", "tcp://127.0.0.1:1", "--db", str(tmp_path / "x.sqlite"))
    assert proc.returncode != 0
    assert "the Dask scheduler at tcp://127.0.0.1:1 is open (tcp://): anyone who can reach its port can make every " \
           "worker run any Python code" in " ".join(proc.stderr.split()), proc.stderr
    assert "cannot reach a Dask scheduler at 'tcp://127.0.0.1:1'" in proc.stderr


def test_tls_flags_need_a_tls_address_and_files_that_are_there(tmp_path, capsys):
    from wasmcu.cli import main
    from wasmcu.errors import WasmcuError
    from wasmcu.executors.security import tls_files

    assert tls_files("tcp://127.0.0.1:1") is None
    with pytest.raises(WasmcuError, match="--tls-ca apply to a scheduler that speaks TLS: give its address as tls://"):
        tls_files("tcp://127.0.0.1:1", ca="ca.pem")
    missing = tmp_path / "none.pem"
    with pytest.raises(WasmcuError, match=f"--tls-ca {missing}: no such file"):
        tls_files("tls://127.0.0.1:1", ca=str(missing), cert=str(missing))
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    with pytest.raises(WasmcuError, match="the TLS files are not usable"):
        tls_files("tls://127.0.0.1:1", ca=str(tmp_path / "junk.pem"), cert=str(tmp_path / "junk.pem"))
    assert main(["bench", *CELLS, "--tls-cert", "c.pem", "--db", str(tmp_path / "x.sqlite")]) == 2
    assert "give cluster (--cluster tls://HOST:PORT) too" in capsys.readouterr().err
