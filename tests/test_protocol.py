import os

from hypothesis import given, settings
from hypothesis import strategies as st

from wasmcu import protocol

# scripts/mutation.sh runs these tests once per mutant: fewer examples there
EXAMPLES = 40 if os.environ.get("WASMCU_MUTATION") else 400


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


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
# lines that reach the record parser: the prefix, then anything (quotes, escapes, '=' and spaces likely)
RECORDISH = st.builds(lambda body: "@wasmcu " + body,
                      st.text(alphabet=st.sampled_from(list('ab_09="\\ \r\té=x')), max_size=40) | TEXT)
STREAM = st.lists(RECORDISH | TEXT, max_size=12).map("\n".join) | st.binary(max_size=2000).map(
    lambda b: b.decode("utf-8", errors="replace"))


@settings(max_examples=EXAMPLES, deadline=None)
@given(STREAM, st.booleans())
def test_any_stream_parses_without_raising_into_fields_noise_and_malformed_lines(text, crlf):
    data = (text.replace("\n", "\r\n") if crlf else text).encode()
    r = protocol.parse(data)
    assert all(k.isascii() and k.replace("_", "a").isalnum() for k in r.fields)
    assert all(line.startswith(protocol.PREFIX) for line in r.malformed)
    assert not any(line.startswith(protocol.PREFIX) for line in r.noise)
    lines = [line.rstrip("\r") for line in data.decode("utf-8", errors="replace").split("\n")]
    assert len(r.noise) + len(r.malformed) <= len([line for line in lines if line])
    # a report ends only on a complete record carrying `end`
    if r.ended:
        assert "end" in r.fields and any(line.startswith(protocol.PREFIX) and "end=" in line for line in lines[:-1])


KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(lambda k: k != "end")
VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
# what firmware prints between records: chatter, lines cut or garbled after the prefix
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=60).filter(
    lambda t: not t.startswith("@wasmcu ")) | st.sampled_from(
    ["@wasmcu =3", "@wasmcu checksum", '@wasmcu error="cut', "@wasmcu bad-key=1", "@wasmcu", "wasmcu end=1"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=8), st.lists(NOISE, max_size=8),
       st.sampled_from(["\n", "\r\n"]))
def test_records_survive_noise_between_them(pairs, noise, newline):
    """Every field written with protocol.record comes back, whatever chatter lies between
    records, with LF or CRLF line ends; garbled records are kept apart, never half-read."""
    lines = []
    for (key, value), chatter in zip(pairs, noise + [""] * len(pairs)):
        lines.append(chatter)
        lines.append(protocol.record(**{key: value}).rstrip("\n"))
    lines.append(protocol.record(end=1).rstrip("\n"))
    lines.append("@wasmcu after=end")
    r = protocol.parse((newline.join(lines) + newline).encode())
    expected = dict(pairs)  # a later record of the same key wins
    assert r.ended and r.fields == {**expected, "end": "1"}
    garbled = [c.rstrip("\r") for c in noise[:len(pairs)] if c.startswith(protocol.PREFIX)]
    assert r.malformed == garbled
