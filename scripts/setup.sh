#!/usr/bin/env bash
# Everything a fresh machine needs before the tests or the main job run:
# npm packages from the lockfile, and Debian's chromium (SwiftShader, the CPU
# Vulkan driver Dawn falls back to, and the browser for the end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages from the lockfile"
  # Not `npm ci`: the registry here lacks other platforms' optional binaries
  # (biome, node-llama-cpp), so the lockfile cannot list them and `npm ci`
  # refuses it; `npm install` installs exactly the locked versions it has.
  NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --loglevel=error
fi

if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium and libvulkan1 (SwiftShader WebGPU, headless browser)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium libvulkan1 >/dev/null
  else
    echo "setup: chromium is missing. Install Debian's chromium and libvulkan1 as root:" >&2
    echo "  apt-get install -y chromium libvulkan1" >&2
    echo "(it provides /usr/bin/chromium and SwiftShader, /usr/lib/chromium/vk_swiftshader_icd.json)" >&2
    exit 1
  fi
fi

node --import ./scripts/register-ts.mjs scripts/probe-gpu.ts
