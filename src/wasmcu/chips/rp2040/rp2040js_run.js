// Run an RP2040 flash image in rp2040js and count the Cortex-M0+ cycles of one window.
// usage: node rp2040js_run.js RP2040JS_DIR IMAGE OFFSET BEGIN END MAX_STEPS
// The image (a flat flash binary) is placed at flash OFFSET and started at its vector
// table there (the boot ROM and second-stage boot are not run). The window opens when the
// core is about to run the instruction at BEGIN and closes after it ran the one at END.
// Prints JSON: {cycles, steps, output (UART0 text), stopped (the firmware exited)}.
'use strict';
const fs = require('fs');
const [dir, image, offset, begin, end, maxSteps] = process.argv.slice(2);
const { RP2040 } = require(dir);
const mcu = new RP2040();
mcu.logger = { debug() {}, info() {}, warn() {}, error() {} };
const base = 0x10000000 + Number(offset);
mcu.flash.set(fs.readFileSync(image), Number(offset));
const core = mcu.core;
core.SP = mcu.readUint32(base);
core.PC = mcu.readUint32(base + 4) & ~1;
mcu.writeUint32(0xe000ed08, base); // VTOR: the image's vector table
let output = '';
mcu.uart[0].onByte = (b) => { output += String.fromCharCode(b); };
let stopped = false;
mcu.onBreak = () => { stopped = true; };
const B = Number(begin), E = Number(end), max = Number(maxSteps);
let c0 = null, c1 = null, steps = 0;
while (!stopped && steps < max) {
  const pc = core.PC;
  if (c0 === null && pc === B) c0 = core.cycles;
  mcu.step();
  steps++;
  if (c1 === null && c0 !== null && pc === E) c1 = core.cycles;
}
process.stdout.write(JSON.stringify({ cycles: c0 !== null && c1 !== null ? c1 - c0 : null, steps, output, stopped }));
