"""The line protocol record by record: spacing, empty and quoted values, escapes, lines cut inside a
value, bytes that are not UTF-8, and the exact text host-side emitters write."""

import pytest

from wasmcu import protocol


def test_spaces_around_fields_and_blank_lines_between_records_change_nothing():
    r = protocol.parse(b"@wasmcu runtime=wasm3 n=100 \n\n@wasmcu  checksum=0x10   load_ticks=7  \n\n\n"
                       b"@wasmcu end=1\n")
    assert r.fields == {"runtime": "wasm3", "n": "100", "checksum": "0x10", "load_ticks": "7", "end": "1"}
    assert r.ended is True and r.malformed == [] and r.noise == []


def test_empty_bare_and_quoted_values():
    r = protocol.parse(b'@wasmcu a= b="" c="x y"  d=1 e="="\n@wasmcu last=\n')
    assert r.fields == {"a": "", "b": "", "c": "x y", "d": "1", "e": "=", "last": ""}
    assert r.malformed == [] and r.ended is False


def test_escapes_in_a_quoted_value():
    r = protocol.parse(b'@wasmcu error="say \\"hi\\" to C:\\\\tmp" next=2\n')
    assert r.fields == {"error": 'say "hi" to C:\\tmp', "next": "2"}


@pytest.mark.parametrize("line", [
    '@wasmcu error="cut after a space ',
    '@wasmcu checksum=5 error="cut after a backslash\\',
    '@wasmcu error="cut after an escaped quote\\"',
    '@wasmcu error="x"=1',
    "@wasmcu a=1 b-c=2",
    "@wasmcu a=1 =2",
    "@wasmcu ключ=1",
])
def test_a_record_cut_or_garbled_anywhere_gives_none_of_its_fields(line):
    r = protocol.parse((f"@wasmcu before=1\n{line}\n@wasmcu after=2\n@wasmcu end=1\n").encode())
    assert r.malformed == [line]
    assert r.fields == {"before": "1", "after": "2", "end": "1"} and r.ended is True


def test_the_record_carrying_end_is_kept_whole_and_later_ones_are_ignored():
    r = protocol.parse(b"@wasmcu checksum=5 end=1 stack_hwm=64\n@wasmcu checksum=6\nbye\n@wasmcu bad\n")
    assert r.fields == {"checksum": "5", "end": "1", "stack_hwm": "64"} and r.ended is True
    assert r.noise == ["bye"] and r.malformed == ["@wasmcu bad"]


def test_bytes_that_are_not_utf8_are_replaced_not_fatal():
    r = protocol.parse(b"\xff boot\n@wasmcu board=\xfeX\r\n@wasmcu chip=RP2040X\r\n")
    assert r.noise == ["\ufffd boot"]
    assert r.fields == {"board": "\ufffdX", "chip": "RP2040X"}
    assert protocol.parse("@wasmcu text=ok\n").fields == {"text": "ok"}  # text is taken as it is


def test_only_a_trailing_carriage_return_is_dropped():
    r = protocol.parse(b"\r@wasmcu a=1\r\n@wasmcu b=2\r\r\n")
    assert r.noise == ["\r@wasmcu a=1"] and r.fields == {"b": "2"}


def test_integers_are_decimal_or_prefixed_hex_octal_binary():
    r = protocol.parse(b"@wasmcu a=0x1F b=42 c=-7 d=0o17 e=0b101 f=017 g=12ab h= i=0x\n")
    assert [r.int(k) for k in "abcdefghi"] == [31, 42, -7, 15, 5, None, None, None, None]
    assert r.int("missing") is None


def test_quote_leaves_plain_tokens_bare_and_quotes_the_rest():
    assert protocol.quote("wasm3") == "wasm3"
    assert protocol.quote("0xdeadbeef") == "0xdeadbeef"
    assert protocol.quote("") == '""'
    assert protocol.quote("a b") == '"a b"'
    assert protocol.quote('say "hi"') == '"say \\"hi\\""'
    assert protocol.quote('x"y') == '"x\\"y"'
    assert protocol.quote("C:\\tmp") == '"C:\\\\tmp"'
    assert protocol.quote("two\nlines") == '"two lines"'


def test_record_writes_one_line_in_argument_order():
    assert protocol.record(runtime="wasm3", n=100, error="trap: oob", note="", end=1) == (
        '@wasmcu runtime=wasm3 n=100 error="trap: oob" note="" end=1\n')
    assert protocol.record(checksum=None) == "@wasmcu checksum=None\n"
    line = protocol.record(error='a "b"\nc\\d', n=3)
    assert protocol.parse(line).fields == {"error": 'a "b" c\\d', "n": "3"}
