// Time a wasm module's `run` export in V8: load/instantiate and calls, separately.
// wasmcu's timing protocol (see wasmcu/runtimes/base.py) in JavaScript.
// usage: node [v8 flags] v8_bench.js MODULE REPEAT WARMUP LOAD_REPEAT MIN_SAMPLE_US SEED MIN_WARMUP_S [once]
// `once`: one call in this fresh instance (a kernel that is not repeatable; a process per sample)
'use strict';
const fs = require('fs');
const [file, repeat, warmup, loadRepeat, minSampleUs, seedArg, minWarmupS, mode] = process.argv.slice(2);
class NotRepeatable extends Error {}
const seed = +seedArg | 0;
const now = () => process.hrtime.bigint();
const us = (a, b) => Number(b - a) / 1000;
try {
  const bytes = fs.readFileSync(file);
  const loadSamples = [];
  let run = null;
  for (let i = 0; i < Math.max(1, +loadRepeat); i++) {
    const t0 = now();
    const module = new WebAssembly.Module(bytes);
    // a kernel that prints imports WASI: Node's node:wasi, its output discarded
    const wasi = WebAssembly.Module.imports(module).some((i) => i.module === 'wasi_snapshot_preview1') ?
      new (require('node:wasi').WASI)({ version: 'preview1', stdout: fs.openSync('/dev/null', 'w'), returnOnExit: true }) :
      null;
    const instance = new WebAssembly.Instance(module, wasi ? wasi.getImportObject() : {});
    if (wasi) wasi.initialize(instance);
    run = instance.exports.run;
    loadSamples.push(us(t0, now()));
  }
  if (typeof run !== 'function') throw new Error("module has no exported function 'run'");
  if (mode === 'once') {
    const t0 = now();
    const r = run(seed) >>> 0;
    const t1 = now();
    process.stdout.write(JSON.stringify({checksum: r, samples_us: [us(t0, t1)], load_samples_us: loadSamples.slice(0, 1),
                                         calls_per_sample: 1, node: process.version, v8: process.versions.v8}));
    return;
  }
  const first = run(seed) >>> 0;
  const deadline = now() + BigInt(Math.round(+minWarmupS * 1e9));
  for (let i = 0; i < +warmup || now() < deadline; i++) {
    const r = run(seed) >>> 0;
    if (r !== first) throw new NotRepeatable(`kernel is not repeatable: returned ${r} after ${first}`);
  }
  let t0 = now();
  run(seed);
  const one = Math.max(us(t0, now()), 0.01);
  const inner = one < +minSampleUs ? Math.min(10000, Math.floor(+minSampleUs / one) + 1) : 1;
  const samples = [];
  for (let s = 0; s < Math.max(1, +repeat); s++) {
    let bad = null;
    t0 = now();
    for (let i = 0; i < inner; i++) {
      const r = run(seed) >>> 0;
      if (r !== first) bad = r;
    }
    const t1 = now();
    if (bad !== null) throw new NotRepeatable(`kernel is not repeatable: returned ${bad} after ${first}`);
    samples.push(us(t0, t1) / inner);
  }
  process.stdout.write(JSON.stringify({checksum: first, samples_us: samples, load_samples_us: loadSamples,
                                       calls_per_sample: inner, node: process.version, v8: process.versions.v8}));
} catch (e) {
  // the failure's kind (wasmcu.model.ERROR_KINDS): a trap, or a module V8 refused; a kernel that is not
  // repeatable is timed by fresh instances instead (wasmcu.runtimes.base.measure_once)
  const kind = e instanceof NotRepeatable ? 'not-repeatable' : e instanceof WebAssembly.RuntimeError ? 'trap' :
    (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) ? 'load-failed' : 'error';
  process.stdout.write(JSON.stringify({error: String(e && e.message || e), kind}));
  process.exitCode = 3;
}
