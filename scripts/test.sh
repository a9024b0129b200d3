#!/usr/bin/env bash
# The README's test command: sets up what is missing, then lint, types, unit and
# kernel tests on Dawn, and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p .cache/reports
npm run --silent lint
npm run --silent typecheck
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/reports/vitest.json
npm run --silent test:browser -- --report .cache/reports/browser.json
npm run --silent test:browser:loader -- --report .cache/reports/browser-loader.json
npm run --silent test:e2e -- --report .cache/reports/e2e.json
npm run --silent test:widget -- --report .cache/reports/widget.json
npm run --silent test:apps -- --report .cache/reports/apps.json
node scripts/summarize-tests.mjs .cache/reports/vitest.json .cache/reports/browser.json .cache/reports/browser-loader.json .cache/reports/e2e.json .cache/reports/widget.json .cache/reports/apps.json
