"""The CLI's options as a contract: every command's option names, and the type, default, choices
and requiredness of those that have one (the help text is the source of the CLI reference, docs/usage.md)."""

import argparse
from pathlib import Path

from wasmcu.cli import build_parser

TYPED = [
    ('wasmcu bench', '--config', 'Path', None, False, None),
    ('wasmcu bench', '--host-baseline', None, None, False, ('o2', 'o3', 'o3-native')),
    ('wasmcu bench', '--repeat', 'int', None, False, None),
    ('wasmcu bench', '--warmup', 'int', None, False, None),
    ('wasmcu bench', '--timeout', 'float', None, False, None),
    ('wasmcu bench', '--ram', None, None, False, ('module', 'profile', 'small')),
    ('wasmcu bench', '--jobs', 'int', None, False, None),
    ('wasmcu bench', '--workload-dir', 'Path', [], False, None),
    ('wasmcu bench', '--device-dir', 'Path', [], False, None),
    ('wasmcu bench', '--db', 'Path', None, False, None),
    ('wasmcu report', '--db', 'Path', None, False, None),
    ('wasmcu report', '--out', 'Path', 'report', False, None),
    ('wasmcu report', '--run', 'int', None, False, None),
    ('wasmcu report', '--device-dir', 'Path', [], False, None),
    ('wasmcu compare', '--db', 'Path', None, False, None),
    ('wasmcu compare', '--threshold', 'float', 5.0, False, None),
    ('wasmcu recost', '--model', 'Path', None, True, None),
    ('wasmcu recost', '--db', 'Path', None, False, None),
    ('wasmcu recost', '--run', 'int', None, False, None),
    ('wasmcu validate', '--device', None, 'pico', False, None),
    ('wasmcu validate', '--runtime', None, 'native,wasm3', False, None),
    ('wasmcu validate', '--lang', None, 'c,rust', False, None),
    ('wasmcu validate', '--device-dir', 'Path', [], False, None),
    ('wasmcu calibrate', '--out', 'Path', None, False, None),
    ('wasmcu calibrate', '--from', 'Path', None, False, None),
    ('wasmcu calibrate', '--device-dir', 'Path', [], False, None),
    ('wasmcu list', '--workload-dir', 'Path', [], False, None),
    ('wasmcu list', '--device-dir', 'Path', [], False, None),
    ('wasmcu board check', '--device', None, None, True, None),
    ('wasmcu board check', '--busy-s', 'float', 10.0, False, None),
    ('wasmcu board check', '--device-dir', 'Path', [], False, None),
    ('wasmcu wamr build', '--out', 'Path', None, False, None),
    ('wasmcu wamr build', '--jobs', 'int', None, False, None),
    ('wasmcu wasm3 build', '--out', 'Path', None, False, None),
]


def _options(parser, prefix):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{prefix} {name}")
        elif action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield prefix, action


def test_every_option_keeps_its_type_default_and_choices():
    rows, flags = [], {}
    for command, action in _options(build_parser(), "wasmcu"):
        flags.setdefault(command, []).append(action.option_strings[-1])
        if action.default is argparse.SUPPRESS:
            continue
        kind = getattr(action.type, "__name__", None)
        default = str(action.default) if isinstance(action.default, Path) else action.default
        if kind or default not in (None, False) or action.required or action.choices:
            rows.append((command, action.option_strings[-1], kind, default, action.required,
                         tuple(action.choices) if action.choices else None))
        elif action.nargs == 0:   # a flag: off unless given
            assert action.const is True and action.default is False, (command, action.option_strings)
    assert rows == TYPED
    assert flags["wasmcu bench"] == ["--debug", "--config", "--suite", "--embench", "--host-baseline", "--device",
                                     "--runtime", "--workload", "--lang", "--build", "--firmware-cc", "--repeat",
                                     "--warmup", "--timeout", "--link", "--ram", "--jobs", "--fresh", "--workload-dir",
                                     "--device-dir", "--db", "--json", "--resume", "--place", "--coordinator",
                                     "--cluster", "--tls-ca", "--tls-cert", "--tls-key", "--mixed-versions"]
    args = build_parser().parse_args(["bench", "--workload-dir", "a", "--workload-dir", "b", "--fresh", "--json"])
    assert args.workload_dir == [Path("a"), Path("b")] and args.fresh and args.json and not args.mixed_versions
