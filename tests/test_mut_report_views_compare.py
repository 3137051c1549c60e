"""report.compare: `wasmcu compare` only reads the store."""

from argparse import Namespace

import pytest

from wasmcu.report.compare import compare_main
from wasmcu.store import StoreError


def test_compare_by_run_id_does_not_make_a_store_that_is_not_there(tmp_path):
    db = tmp_path / "none" / "results.sqlite"
    with pytest.raises(StoreError, match="there is no store at"):
        compare_main(Namespace(db=db, a="1", b="2", threshold=5.0, strict=False))
    assert not db.exists() and not db.parent.exists()
