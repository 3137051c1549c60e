// Run a WASI command (a module whose entry is _start) in V8 with Node's node:wasi, preview 1.
// usage: node [v8 flags] v8_wasi.js MODULE REPEAT STDOUT_FILE STDERR_FILE [SEED]
// A reactor (it exports _initialize) is initialised, then run(SEED) is called: its result stands
// in the exit code's place.
// Each sample is a fresh WASI instance and module instance (a command starts once): no arguments,
// an empty environment, no preopened directories; stdout and stderr go to the files (the last
// sample's output stays there). Prints one JSON object: exit codes, samples and load samples (us).
'use strict';
const fs = require('fs');
const { WASI } = require('node:wasi');
const [file, repeat, outFile, errFile, seed] = process.argv.slice(2);
const now = () => process.hrtime.bigint();
const us = (a, b) => Number(b - a) / 1000;
try {
  const module = new WebAssembly.Module(fs.readFileSync(file));
  const codes = [], samples = [], loadSamples = [];
  for (let s = 0; s < Math.max(1, +repeat); s++) {
    const out = fs.openSync(outFile, 'w'), err = fs.openSync(errFile, 'w');
    try {
      const t0 = now();
      const wasi = new WASI({ version: 'preview1', args: [], env: {}, stdout: out, stderr: err, returnOnExit: true });
      const instance = new WebAssembly.Instance(module, wasi.getImportObject());
      const t1 = now();
      if (instance.exports._initialize) {
        wasi.initialize(instance);
        codes.push(instance.exports.run(Number(seed || 0) | 0));
      } else {
        codes.push(wasi.start(instance));
      }
      const t2 = now();
      loadSamples.push(us(t0, t1));
      samples.push(us(t1, t2));
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
  }
  process.stdout.write(JSON.stringify({ exit_codes: codes, samples_us: samples, load_samples_us: loadSamples,
                                        node: process.version, v8: process.versions.v8 }));
} catch (e) {
  const kind = e instanceof WebAssembly.RuntimeError ? 'trap' :
    (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) ? 'load-failed' : 'error';
  process.stdout.write(JSON.stringify({ error: String(e && e.message || e), kind }));
  process.exitCode = 3;
}
