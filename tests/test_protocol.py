from hypothesis import given, settings
from hypothesis import strategies as st

from wasmcu import protocol


def test_records_parse_and_stop_at_end():
    text = ("boot chatter\n@wasmcu runtime=wasm3 n=100\n@wasmcu checksum=0xdeadbeef load_ticks=12\n"
            '@wasmcu error="trap: out of bounds" stack_hwm=512\n@wasmcu end=1\n@wasmcu checksum=1\n')
    r = protocol.parse(text.encode())
    assert r.ended and r.int("checksum") == 0xDEADBEEF and r.int("load_ticks") == 12
    assert r.fields["error"] == "trap: out of bounds" and r.fields["runtime"] == "wasm3"
    assert r.noise == ["boot chatter"]


def test_line_cut_mid_way_is_malformed_not_a_value():
    r = protocol.parse(b"@wasmcu checksum=1234\n@wasmcu error=\"trap: out of bo")
    assert not r.ended and r.int("checksum") == 1234 and "error" not in r.fields
    assert r.malformed == ['@wasmcu error="trap: out of bo']
    r2 = protocol.parse(b"@wasmcu checksum=12")
    assert r2.int("checksum") is None and r2.malformed


def test_record_round_trip():
    line = protocol.record(checksum=5, error='a "quoted" message\\ here', end=1)
    r = protocol.parse(line)
    assert r.fields == {"checksum": "5", "error": 'a "quoted" message\\ here', "end": "1"} and r.ended


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_parser_never_raises_on_arbitrary_bytes(data):
    r = protocol.parse(data)
    assert isinstance(r.fields, dict)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=30))
def test_parser_on_protocol_like_text(lines):
    text = "\n".join("@wasmcu " + ln if i % 2 else ln for i, ln in enumerate(lines))
    r = protocol.parse(text)
    for key, value in r.fields.items():
        assert isinstance(key, str) and isinstance(value, str)
