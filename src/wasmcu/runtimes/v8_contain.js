// The containment suite under V8: one misbehaving call of `run`, stopped by a watchdog if it does not
// return, then a second call on the same instance. Prints one JSON object (wasmcu.backends.containment_call).
// usage: node [v8 flags] v8_contain.js MODULE SEED WATCHDOG_MS
// The call runs inside vm.runInContext with a timeout: when it expires, Node asks V8 to terminate the
// running code (V8's TerminateExecution, which wasm code heeds at its loop headers and calls); the
// instance and this process survive it, so the second call runs on the same instance.
'use strict';
const fs = require('fs');
const vm = require('vm');
const [file, seedArg, watchdogArg] = process.argv.slice(2);
const watchdogMs = Math.max(1, +watchdogArg | 0);
const now = () => process.hrtime.bigint();
const out = {trap: null, trap_kind: null, result: null, alive: null, alive_error: null, detect_us: null,
             second_call: 'the same instance in the same process', node: process.version, v8: process.versions.v8};
let run;
try {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), {});
  run = instance.exports.run;
  if (typeof run !== 'function') throw new WebAssembly.LinkError("the module has no exported function 'run'");
} catch (e) {
  process.stdout.write(JSON.stringify({error: `V8 could not load the module: ${e && e.message || e}`, kind: 'load-failed'}));
  process.exit(3);
}
const context = vm.createContext({run, seed: +seedArg | 0});
// the kind of a failure: the watchdog's terminate, a wasm trap, V8's stack limit, or something else
const kindOf = (e) => (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') ? 'terminated' :
  e instanceof WebAssembly.RuntimeError ? 'trap' : e instanceof RangeError ? 'stack-limit' : 'error';
const t0 = now();
try {
  out.result = vm.runInContext('run(seed) >>> 0', context, {timeout: watchdogMs});
} catch (e) {
  out.trap = String(e && e.message || e);
  out.trap_kind = kindOf(e);
}
out.detect_us = Number(now() - t0) / 1000;
if (out.trap_kind === 'terminated') out.stopped_by = `the watchdog: vm timeout of ${watchdogMs} ms, then V8's TerminateExecution`;
try {
  out.alive = run(0) >>> 0;
} catch (e) {
  out.alive_error = String(e && e.message || e);
}
process.stdout.write(JSON.stringify({containment: out}));
