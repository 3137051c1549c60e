"""The cluster closed by default: every dashboard a cluster serves is warned about, and the docs'
first example is the TLS one."""

import re

from conftest import ROOT
from wasmcu.executors.cluster import dashboards


def test_a_dashboard_of_the_scheduler_or_a_worker_is_warned_about():
    info = {"services": {"dashboard": 8787},
            "workers": {"tls://10.0.0.7:40000": {"name": "w1", "services": {"dashboard": 40001}},
                        "tls://10.0.0.8:40000": {"name": "w2", "services": {}}}}
    lines = dashboards(info, "tls://10.0.0.5:8786")
    assert len(lines) == 2
    assert "serves Dask's dashboard on port 8787" in lines[0] and "--no-dashboard" in lines[0]
    assert "--dashboard-address 127.0.0.1:8787" in lines[0]
    assert lines[1].startswith("workers w1 serve Dask's dashboard")
    assert dashboards({"services": {}, "workers": {}}, "tls://h:1") == []


def test_the_docs_first_cluster_example_is_tls_and_every_dask_command_has_no_dashboard():
    for page in ("cluster.md", "cluster-security.md"):
        text = (ROOT / "docs" / page).read_text()
        commands = re.findall(r"^dask (?:scheduler|worker).*(?:\n  .*)*", text, re.M)
        assert commands and all("--no-dashboard" in c for c in commands), page
    text = (ROOT / "docs" / "cluster.md").read_text()
    first = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    assert "--protocol tls" in first and "tcp://" not in first
    assert "For a private network only" in text
