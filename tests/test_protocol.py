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
def test_arbitrary_bytes_never_raise_and_never_end_a_report_by_themselves(data):
    r = protocol.parse(data)
    # a report ends only on an `end` record at the start of a line
    assert r.ended == (b"@wasmcu end=1\n" in b"\n" + data + b"\n" and
                       any(line.strip() == b"@wasmcu end=1" for line in data.split(b"\n")[:-1]))


KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(lambda k: k != "end")
VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=8), st.lists(st.binary(max_size=60), max_size=5))
def test_records_survive_noise_between_them(pairs, noise):
    """Every field written with protocol.record comes back, whatever chatter lies between records."""
    lines = []
    for (key, value), chatter in zip(pairs, noise + [b""] * len(pairs)):
        lines.append(chatter.replace(b"\n", b" ").replace(b"@", b"a"))
        lines.append(protocol.record(**{key: value}).encode())
    lines.append(protocol.record(end=1).encode())
    r = protocol.parse(b"\n".join(lines))
    expected = dict(pairs)  # a later record of the same key wins
    assert r.ended and {k: r.fields[k] for k in expected} == expected
