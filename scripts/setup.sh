#!/usr/bin/env bash
# Installs what wasmcu needs, only what is missing; quick when everything is there.
#   Debian packages (compilers, wabt, binaryen, QEMU, cross toolchains, Node.js, ser2net),
#   a virtual environment in .venv with wasmcu and its PyPI dependencies (Zig's compiler among
#   them), and the npm packages rp2040js (the RP2040 emulator of `wasmcu validate`) and
#   assemblyscript (asc, for AssemblyScript kernels) and wasm-metering (gas metering, wasm3-gas)
#   beside it.
# Sourced by scripts/paper.sh and scripts/test.sh; can be run on its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WASMCU_VENV:-$ROOT/.venv}"

DEBIAN_PACKAGES=(
  clang-19 lld-19 lld-14 llvm-19 wabt binaryen
  wasi-libc libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32  # C and C++ libraries in wasm
  rustc libstd-rust-dev-wasm32 rust-src
  gcc-arm-none-eabi picolibc-arm-none-eabi gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  libstdc++-arm-none-eabi-picolibc  # C++ library headers and libstdc++ for the Arm boards
  qemu-system-arm qemu-system-misc
  gcc libc6-dev binutils git
  ser2net  # a labgrid exporter serves boards' serial ports through it (the farm tests run one)
)

log() { printf 'setup: %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v node >/dev/null 2>&1 || command -v nodejs >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  if ((${#missing[@]})); then
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_venv() {
  local stamp="$VENV/.wasmcu-installed" want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements.lock" | sha256sum | cut -d' ' -f1)"
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  [[ -x "$VENV/bin/python" ]] || { log "creating $VENV"; python3 -m venv "$VENV"; }
  log "installing wasmcu and its Python dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  # the versions in requirements.lock, so that a result can be reproduced with the same packages
  "$VENV/bin/python" -m pip install -q -c "$ROOT/requirements.lock" -e "$ROOT[test,ppk2,boards,farm,notebook,docs]"
  echo "$want" > "$stamp"
}

# wasm3's C sources for the firmware come in pywasm3's source distribution: fetched here,
# so that building firmware needs no network
install_wasm3_sources() {
  local ver dir="$VENV/share/wasmcu"
  ver="$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("pywasm3"))')"
  [[ -f "$dir/pywasm3-$ver.tar.gz" ]] && return
  log "fetching the pywasm3 $ver source distribution (wasm3's C sources) into $dir"
  mkdir -p "$dir"
  "$VENV/bin/python" -m pip download -q --no-binary :all: --no-deps -d "$dir" "pywasm3==$ver" >/dev/null
}

RP2040JS_VERSION=1.4.1
ASSEMBLYSCRIPT_VERSION=0.28.20  # asc, the AssemblyScript compiler (AssemblyScript kernels)
WASM_METERING_VERSION=0.2.1     # wasm-metering, the gas instrumenter of the wasm3-gas runtime
install_npm_packages() {
  local rp="$VENV/node_modules/rp2040js/package.json" as="$VENV/node_modules/assemblyscript/package.json"
  local wm="$VENV/node_modules/wasm-metering/package.json"
  if [[ -f "$rp" ]] && grep -q "\"version\": \"$RP2040JS_VERSION\"" "$rp" &&
     [[ -f "$as" ]] && grep -q "\"version\": \"$ASSEMBLYSCRIPT_VERSION\"" "$as" &&
     [[ -f "$wm" ]] && grep -q "\"version\": \"$WASM_METERING_VERSION\"" "$wm"; then
    return
  fi
  log "installing rp2040js $RP2040JS_VERSION, assemblyscript $ASSEMBLYSCRIPT_VERSION and wasm-metering" \
      "$WASM_METERING_VERSION (npm) into $VENV"
  npm install --prefix "$VENV" --no-audit --no-fund --no-save --silent "rp2040js@$RP2040JS_VERSION" \
    "assemblyscript@$ASSEMBLYSCRIPT_VERSION" "wasm-metering@$WASM_METERING_VERSION" >/dev/null
}

install_debian_packages
install_venv
install_wasm3_sources
install_npm_packages
export PATH="$VENV/bin:$PATH"
