"""wasmcu: what does WebAssembly cost on a microcontroller?

The package is a pipeline: plan -> build -> execute -> measure -> verify ->
store -> report. Everything the CLI does is a library call; see
:func:`wasmcu.bench.run_bench` and :func:`wasmcu.report.write_report`.
"""

__version__ = "0.1.0"
