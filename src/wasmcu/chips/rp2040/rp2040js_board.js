// A Pico in rp2040js, for testing the board path without a board.
// usage: node rp2040js_board.js RP2040JS_DIR IMAGE.uf2 MAX_CYCLES
// Flashes the UF2 file's blocks, then does what the RP2040 boot ROM does on a flash boot:
// checks the second-stage boot's CRC-32 (the last word of the first 256 bytes of flash),
// copies it to SRAM at 0x20041f00 and runs it (rp2040js ships no boot ROM). UART0's bytes
// go to stdout, which the caller connects to a pseudo-terminal: the serial port that
// wasmcu reads. Time advances 8 ns per cycle (clk_sys at 125 MHz), so the RP2040 timer
// the firmware reads counts simulated microseconds. Exits when the firmware stops (bkpt).
'use strict';
const fs = require('fs');
const [dir, image, maxCycles] = process.argv.slice(2);
const { RP2040 } = require(dir);
const { SimulationClock } = require(dir + '/dist/cjs/clock/simulation-clock.js');
const clock = new SimulationClock();
const mcu = new RP2040(clock);
mcu.logger = { debug() {}, info() {}, warn() {}, error() {} };
const data = fs.readFileSync(image);
for (let off = 0; off < data.length; off += 512) {
  const addr = data.readUInt32LE(off + 12), size = data.readUInt32LE(off + 16);
  if (data.readUInt32LE(off) !== 0x0a324655 || addr < 0x10000000) {
    process.stderr.write(`not a UF2 block for the RP2040's flash at byte ${off}\n`);
    process.exit(2);
  }
  mcu.flash.set(data.subarray(off + 32, off + 32 + size), addr - 0x10000000);
}
let crc = 0xffffffff;
for (let i = 0; i < 252; i++) {
  crc ^= mcu.flash[i] << 24;
  for (let b = 0; b < 8; b++) crc = (crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1) >>> 0;
}
const stored = mcu.flash[252] | (mcu.flash[253] << 8) | (mcu.flash[254] << 16) | (mcu.flash[255] << 24);
if ((stored >>> 0) !== crc) {
  process.stderr.write(`second-stage boot CRC ${(stored >>> 0).toString(16)} != ${crc.toString(16)}: the boot ROM would not boot this image\n`);
  process.exit(3);
}
for (let i = 0; i < 256; i += 4) mcu.writeUint32(0x20041f00 + i, mcu.readUint32(0x10000000 + i));
const core = mcu.core;
core.SP = 0x20042000;
core.PC = 0x20041f00;
let stopped = false;
mcu.onBreak = () => { stopped = true; };
const out = [];
mcu.uart[0].onByte = (b) => { out.push(b); if (b === 10) { fs.writeSync(1, Buffer.from(out)); out.length = 0; } };
const max = Number(maxCycles);
let cycles = 0;
while (!stopped && cycles < max) {
  const c = core.executeInstruction();
  cycles += c;
  clock.tick(c * 8);
}
if (out.length) fs.writeSync(1, Buffer.from(out));
process.exit(stopped ? 0 : 4);
