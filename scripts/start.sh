#!/usr/bin/env bash
# The README's main job: a DeepSeek-R1-Distill-Qwen-1.5B-shaped model (synthetic
# weights, the real Qwen vocabulary and chat template; made once into .cache/)
# answering a chat prompt on this machine's WebGPU device, streamed to the terminal.
# Usage: bash scripts/start.sh ["your question"] [--model FILE.gguf]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
question="${1:-Why is the sky blue?}"
model=".cache/models/r1-qwen-1.5b-q4_0.gguf"
if [ "${2:-}" = "--model" ] && [ -n "${3:-}" ]; then model="$3"; fi
if [ ! -f "$model" ]; then
  mkdir -p "$(dirname "$model")"
  npx webseek make-model --shape DeepSeek-R1-Distill-Qwen-1.5B --type q4_0 --seed 1 --out "$model"
fi
chat="$(mktemp --suffix .json)"
trap 'rm -f "$chat"' EXIT
node -e 'console.log(JSON.stringify([{role:"user",content:process.argv[1]}]))' "$question" > "$chat"
npx webseek generate --model "$model" --chat "$chat" --max-tokens "${MAX_TOKENS:-24}" --temperature 0.6 --top-p 0.95 --seed 1
