// Instrument a wasm module for gas metering with the npm package wasm-metering: every straight-line
// block of code first calls the import metering.usegas(i32 cost). The cost table charges one unit per
// instruction (the metering call's own two included), so the gas a call uses is the count of wasm
// instructions it executed.
// usage: node meter.js PACKAGE_DIR IN.wasm OUT.wasm
'use strict';
const fs = require('fs');
const [pkg, input, output] = process.argv.slice(2);
const metering = require(pkg);
const costTable = {start: 0, type: {params: {DEFAULT: 0}, return_type: {DEFAULT: 0}}, import: 0,
                   code: {locals: {DEFAULT: 0}, code: {DEFAULT: 1}}, data: 0};
try {
  fs.writeFileSync(output, metering.meterWASM(fs.readFileSync(input), {meterType: 'i32', costTable}));
} catch (e) {
  process.stderr.write(`wasm-metering could not instrument ${input}: ${e && e.message || e}\n`);
  process.exitCode = 1;
}
