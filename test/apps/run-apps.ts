/**
 * apps/ and demos/ kept working: everything is BUILT as it ships (the apps'
 * and demos' own Vite configs, the widget's library build), served by a
 * plain static server, and driven in headless Chromium (WebGPU on
 * SwiftShader) on a tiny synthetic qwen2 from a local file server.
 *
 *   node --import ./scripts/register-ts.mjs test/apps/run-apps.ts [--report FILE] [--timeout-s 240]
 *
 * The kiosk: config → full-screen progress → answers; idle reset; then the
 * browser restarts with the file server and the kiosk's own site STOPPED and
 * it answers again from the service worker's cache and IndexedDB. The demo:
 * WebGPU missing and present; a URL and a local file load, answer, show in
 * the cache view with their size, delete. Every demo page and script runs
 * once; node-client.mjs against a real `webseek serve`.
 * Prints one line per case and 'N passed, N failed'; exits non-zero on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatBytes, makeSyntheticModel, writeGguf } from '@webseek/formats';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { formatBytes } from '../../apps/demo/src/format.ts';
import { tinyQwen2 } from '../support/models.ts';
import { type RangeServer, sha256, startRangeServer } from '../support/range-server.ts';
import {
  type CaseResult,
  check,
  exitIfHung,
  finishRunner,
  runCase,
  runnerArgs,
  withDeadline,
} from '../support/runner.ts';
import {
  type Answer,
  ask,
  chatState,
  launchBrowser,
  launchProfile,
  newContext,
  openPage,
  recorded,
  WAIT_MS,
  waitOrError,
} from './pages.ts';
import { type StaticSite, serveStatic } from './static-site.ts';
import { typecheckAgainstWebLlm } from './typecheck.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const APPS = join(REPO, 'apps');
const DEMOS = join(REPO, 'demos');
const BIN = join(REPO, 'node_modules', '.bin', 'webseek');
/** The path demos/one-script-tag.html names its model by. */
const ONE_TAG_MODEL = '/models/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';
const MAX_TOKENS = 12;
const IDLE_SECONDS = 3;
const KIOSK_TITLE = 'Lobby kiosk';
const KIOSK_QUESTION = 'Where is the cafeteria?';
/** What apps and demos may import from the workspace: public entry points only. */
const PUBLIC = ['@webseek/api', '@webseek/loader', '@webseek/widget', '@webseek/worker', '@webseek/worker/webllm'];
const PUBLIC_WORKER = '@webseek/worker/engine.worker';
// The widget runner's tiny qwen2 (GQA, q/k/v biases, q8_0, the 301-id tiny vocabulary), with room for a chat.
const SPEC = tinyQwen2({ ctxTrain: 512 });

interface Run {
  dir: string;
  model: Uint8Array;
  /** Where each build went. */
  out: { demo: string; kiosk: string; demos: string; widget: string };
  /** The "file server" the model comes from. */
  files?: RangeServer;
  /** What the demo fetched from (the routed) huggingface.co. */
  hubRequests?: string[];
  /** The kiosk's own file server (stopped halfway). */
  kioskFiles?: RangeServer;
  modelUrl: string;
  kioskSite?: StaticSite;
  kiosk?: BrowserContext;
  kioskPage?: Page;
  kioskAnswer?: Answer;
  browser?: Browser;
  /** The demo's page and site, shared by the URL, hub and file cases. */
  demoPage?: Page;
  demoSite?: StaticSite;
  serve?: ChildProcess;
  pageErrors: string[];
}

const { report, timeoutMs: TIMEOUT_MS } = runnerArgs(240);
const began = Date.now();
exitIfHung('apps', TIMEOUT_MS);
finishRunner('apps', await runAll(), began, report);

async function runAll(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'webseek-apps-'));
  const out = { demo: join(dir, 'demo'), kiosk: join(dir, 'kiosk'), demos: join(dir, 'demos'), widget: join(dir, 'w') };
  const model = concatBytes(writeGguf(makeSyntheticModel(SPEC)));
  const run: Run = { dir, model, out, modelUrl: '', pageErrors: [] };
  try {
    await withDeadline('apps', runCases(run, results), TIMEOUT_MS, results, began);
  } finally {
    await stopServe(run);
    await run.kiosk?.close().catch(() => {});
    await run.browser?.close().catch(() => {});
    await run.files?.close().catch(() => {});
    await run.kioskFiles?.close().catch(() => {});
    await run.kioskSite?.close().catch(() => {});
    await run.demoSite?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return results;
}

async function runCases(run: Run, results: CaseResult[]): Promise<void> {
  const cases: [string, (run: Run) => Promise<void>][] = [
    ['1. apps and demos import public package exports only; demos are ≤100 lines with a one-line header', sources],
    [
      '2. the apps build with their configs (sw.js precaches every emitted file); so do the demos and the widget',
      builds,
    ],
    ['3. kiosk, first start: config → full-screen progress → ready → answers; offline shell cached', kioskFirst],
    ['4. kiosk: idleResetSeconds without input clears the conversation and the draft, and not before', kioskIdle],
    ['5. kiosk restarted, file server and site STOPPED: the same answer, zero file-server requests', kioskOffline],
    ['6. demo without WebGPU: a plain message says why, and the load controls are disabled', demoNoGpu],
    ['7. demo: adapter info; a URL loads with progress, answers, is cached with its size, deletes', demoUrl],
    ['8. demo: a catalogue entry loads from the hub (huggingface.co routed to the tiny file), answers', demoHub],
    ['9. demo: a local .gguf through the file input loads from the Blob, answers, is cached', demoFile],
    ['10. demos/one-script-tag.html: the built widget preloads the model it names and answers', oneScriptTag],
    ['11. demos/worker-api.html: createWorkerEngine streams into the <pre>; Stop interrupts', workerApi],
    ['12. demos/drag-drop.html: a dropped File becomes a chat that answers', dragDrop],
    ['13. demos/webllm-compat.ts: type-checks as is and against @mlc-ai/web-llm; runs in the page', webllmCompat],
    ['14. demos/node-client.mjs streams an answer from a real `webseek serve` child process', nodeClient],
  ];
  for (const [name, fn] of cases) {
    const passed = await runCase(
      name,
      async () => {
        await fn(run);
        check(run.pageErrors.length === 0, `page errors: ${run.pageErrors.join(' | ')}`);
      },
      results,
    );
    if (!passed) run.pageErrors.length = 0;
  }
}

// ---------------------------------------------------------------- sources and builds

async function sources(): Promise<void> {
  const problems: string[] = [];
  const files = [...walk(APPS), ...walk(DEMOS)].filter((f) => /\.(ts|mts|mjs|js|html|css)$/.test(f));
  for (const file of files) problems.push(...importProblems(file));
  for (const file of walk(DEMOS).filter((f) => /\.(html|ts|mjs)$/.test(f) && !f.endsWith('vite.config.ts'))) {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const name = relative(REPO, file);
    if (lines.length > 100) problems.push(`${name}: ${lines.length} lines (a demo is at most 100)`);
    const header = lines[0] ?? '';
    if (!(header.startsWith(`// ${name} — `) || (header.startsWith(`<!-- ${name} — `) && header.endsWith('-->'))))
      problems.push(`${name}: the first line is not a one-line '${name} — what it shows' comment`);
  }
  // No fonts, CDNs or other hosts in what the pages themselves load.
  for (const file of files.filter((f) => /\.(html|css)$/.test(f))) {
    const text = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->|\/\*[\s\S]*?\*\//g, '');
    for (const match of text.matchAll(/(?:src|href)\s*=\s*["']?(https?:)?\/\/[^"'\s>]+|url\(\s*["']?https?:|@import/g))
      problems.push(`${relative(REPO, file)}: loads from elsewhere: ${match[0]}`);
  }
  console.log(`       ${files.length} files checked`);
  check(problems.length === 0, problems.join('; '));
}

function importProblems(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const name = relative(REPO, file);
  const home = name.startsWith('apps/') ? join(APPS, name.split('/')[1]!) : DEMOS;
  const problems: string[] = [];
  const pattern = /(import|export)\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[3] ?? match[4]!;
    const typeOnly = match[2] !== undefined;
    const bare = spec.split('?')[0]!;
    if (spec.startsWith('@webseek/') && !PUBLIC.includes(bare) && bare !== PUBLIC_WORKER)
      problems.push(`${name}: imports ${spec}, not a public export`);
    if (spec.startsWith('.') && !resolve(dirname(file), bare).startsWith(home))
      problems.push(`${name}: imports ${spec} from outside its folder`);
    if (/(^|\/)test\//.test(spec)) problems.push(`${name}: imports test code (${spec})`);
    // web-llm is the API the demo is written against, never code it ships.
    if (spec === '@mlc-ai/web-llm' && !typeOnly) problems.push(`${name}: imports @mlc-ai/web-llm code`);
  }
  return problems;
}

async function builds(run: Run): Promise<void> {
  const timed = async (name: string, configFile: string, outDir: string) => {
    const t = Date.now();
    await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const files = walk(outDir);
    const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    console.log(`       ${name}: ${files.length} files, ${kib(bytes)} in ${Date.now() - t} ms`);
    return files.map((f) => relative(outDir, f));
  };
  const demo = await timed('apps/demo', join(APPS, 'demo', 'vite.config.ts'), run.out.demo);
  const kiosk = await timed('apps/kiosk', join(APPS, 'kiosk', 'vite.config.ts'), run.out.kiosk);
  await timed('demos', join(DEMOS, 'vite.config.ts'), run.out.demos);
  await timed('widget', join(REPO, 'packages', 'widget', 'vite.config.ts'), run.out.widget);
  check(demo.includes('index.html') && demo.some((f) => /^assets\/engine\.worker-.*\.js$/.test(f)), 'demo files');
  check(kiosk.includes('kiosk.config.json') && kiosk.includes('sw.js'), `kiosk files ${JSON.stringify(kiosk)}`);
  const sw = readFileSync(join(run.out.kiosk, 'sw.js'), 'utf8');
  const listed = JSON.parse(JSON.parse(/JSON\.parse\(("(?:[^"\\]|\\.)*")\)/.exec(sw)![1]!)) as { files: string[] };
  const expected = ['./', ...kiosk.filter((f) => f !== 'sw.js' && f !== 'index.html')].sort();
  check(
    JSON.stringify([...listed.files].sort()) === JSON.stringify(expected),
    `sw.js precaches ${JSON.stringify(listed.files)}, the build has ${JSON.stringify(expected)}`,
  );
  run.files = await startRangeServer();
  run.modelUrl = run.files.add('tiny-qwen2-q8_0.gguf', { bytes: run.model, etag: 'tiny-apps' });
  console.log(`       model: ${run.model.byteLength} bytes at ${run.modelUrl}`);
}

// ---------------------------------------------------------------- the kiosk

async function kioskFirst(run: Run): Promise<void> {
  const kioskFiles = await startRangeServer();
  run.kioskFiles = kioskFiles;
  const modelUrl = kioskFiles.add('tiny-qwen2-q8_0.gguf', { bytes: run.model, etag: 'tiny-kiosk' });
  const config = {
    modelUrl,
    systemPrompt: 'Answer briefly.',
    idleResetSeconds: IDLE_SECONDS,
    maxTokens: MAX_TOKENS,
    temperature: 0,
    title: KIOSK_TITLE,
  };
  writeFileSync(join(run.out.kiosk, 'kiosk.config.json'), JSON.stringify(config));
  run.kioskSite = await serveStatic(run.out.kiosk);
  run.kiosk = await launchProfile(join(run.dir, 'kiosk-profile'));
  const requests = recordRequests(run.kiosk);
  const page = await openPage(run.kiosk, `${run.kioskSite.origin}/`, run.pageErrors);
  run.kioskPage = page;
  const cover = await page.evaluate(() => {
    const r = document.getElementById('loading')!.getBoundingClientRect();
    return { width: r.width / innerWidth, height: r.height / innerHeight };
  });
  await waitOrError(page, 'document.body.dataset.ready !== undefined', 'kiosk start');
  const progress = (await recorded(page, 'webseek-progress')).map((r) => r.detail!);
  console.log(`       progress: ${progress.map((p) => `${p.phase} ${pct(p.fraction)}`).join(', ')}`);
  check(cover.width === 1 && cover.height === 1, `the progress screen covers ${JSON.stringify(cover)} of the window`);
  check(
    progress.some((p) => p.phase === 'download' && p.bytesDone === run.model.byteLength),
    'no download progress reached the model size',
  );
  check(await page.locator('#loading').isHidden(), 'the progress screen stayed up after ready');
  check((await page.title()) === config.title, `title ${await page.title()}`);
  run.kioskAnswer = await ask(page, '#chat', KIOSK_QUESTION);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS });
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = await Promise.all(names.map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)));
    return { names, urls: urls.flat() };
  });
  console.log(`       service worker caches ${cached.names.join(', ')}: ${cached.urls.length} files`);
  const site = run.kioskSite.origin;
  check(cached.urls.includes(`${site}/`) && cached.urls.includes(`${site}/kiosk.config.json`), 'shell not cached');
  const elsewhere = requests.filter((u) => !u.startsWith(`${site}/`) && !u.startsWith(`${kioskFiles.origin}/`));
  check(elsewhere.length === 0, `requests to other hosts: ${elsewhere.join(', ')}`);
  check(
    requests.some((u) => u === modelUrl),
    'the request log missed the model fetches (so zero later would mean nothing)',
  );
}

async function kioskIdle(run: Run): Promise<void> {
  const page = run.kioskPage!;
  const idleMs = IDLE_SECONDS * 1000;
  // Half the idle time after the answer: the conversation is still there; typing starts the count again.
  await page.waitForTimeout(idleMs / 2);
  check((await chatState(page, '#chat')).messages === 2, 'the conversation was cleared before the idle time');
  await page.locator('#chat textarea').pressSequentially('half a question');
  await page.waitForFunction(
    () => (window as unknown as { __rec: { type: string }[] }).__rec.some((r) => r.type === 'kiosk-reset'),
    undefined,
    { timeout: idleMs * 4 },
  );
  const events = await recorded(page);
  const lastKey = events.filter((r) => r.type === 'keydown').at(-1)!.t;
  const reset = events.find((r) => r.type === 'kiosk-reset')!.t;
  const state = await chatState(page, '#chat');
  console.log(`       reset ${(reset - lastKey).toFixed(0)} ms after the last key (idle ${idleMs} ms)`);
  check(reset - lastKey >= idleMs - 20, `reset only ${(reset - lastKey).toFixed(0)} ms after the last key`);
  check(reset - lastKey < idleMs + 3000, `reset ${(reset - lastKey).toFixed(0)} ms after the last key`);
  check(state.messages === 0 && state.draft === '', `after the reset: ${JSON.stringify(state)}`);
}

async function kioskOffline(run: Run): Promise<void> {
  const site = run.kioskSite!.origin;
  const files = run.kioskFiles!.origin;
  await run.kiosk!.close();
  run.kiosk = undefined;
  await run.kioskFiles!.close();
  run.kioskFiles = undefined;
  await run.kioskSite!.close();
  run.kioskSite = undefined;
  run.kiosk = await launchProfile(join(run.dir, 'kiosk-profile'));
  const requests = recordRequests(run.kiosk);
  const page = await openPage(run.kiosk, `${site}/`, run.pageErrors);
  await waitOrError(page, 'document.body.dataset.ready !== undefined', 'offline kiosk start');
  const progress = (await recorded(page, 'webseek-progress')).map((r) => r.detail!);
  console.log(`       progress: ${progress.map((p) => `${p.phase} ${pct(p.fraction)}`).join(', ')}`);
  // The title comes from kiosk.config.json: the service worker's copy, the site being down.
  check((await page.title()) === KIOSK_TITLE, `title ${await page.title()}: the config was not read`);
  const answer = await ask(page, '#chat', KIOSK_QUESTION);
  const [before, after] = [run.kioskAnswer!, answer].map((a) => a.reasoning + a.content);
  check(
    before === after,
    `greedy answers differ online and offline: ${JSON.stringify(before)} vs ${JSON.stringify(after)}`,
  );
  const toFiles = requests.filter((u) => u.startsWith(`${files}/`));
  check(toFiles.length === 0, `requests to the stopped file server: ${toFiles.join(', ')}`);
  check(
    !progress.some((p) => p.phase === 'download' && Number(p.bytesDone) < Number(p.bytesTotal)),
    'a download was in progress for a cached model',
  );
  await run.kiosk.close();
  run.kiosk = undefined;
}

// ---------------------------------------------------------------- the demo

async function demoNoGpu(run: Run): Promise<void> {
  const site = await serveStatic(run.out.demo);
  run.browser = await launchBrowser();
  const context = await newContext(run.browser);
  try {
    // A string, not a function: tsx would name the getter with a __name() call the page does not have.
    await context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'gpu', { get() {} });" });
    const page = await openPage(context, `${site.origin}/`, run.pageErrors);
    await page.waitForSelector('#gpu-info[data-ok="false"]', { timeout: WAIT_MS });
    const message = await page.locator('#gpu-info .missing').textContent();
    const enabled = await page.locator('.needs-gpu:enabled').count();
    console.log(`       ${JSON.stringify(message)}`);
    check(/no WebGPU/.test(message ?? ''), 'the message does not say WebGPU is missing');
    check(enabled === 0, `${enabled} load controls still enabled`);
  } finally {
    await context.close();
    await site.close();
  }
}

async function demoUrl(run: Run): Promise<void> {
  const site = await serveStatic(run.out.demo);
  run.demoSite = site;
  const context = await newContext(run.browser!);
  run.hubRequests = await routeHub(context, run.model);
  const page = await openPage(context, `${site.origin}/`, run.pageErrors);
  run.demoPage = page;
  await page.waitForSelector('#gpu-info[data-ok="true"]', { timeout: WAIT_MS });
  const adapter = (await page.locator('#gpu-info p').allTextContents()).join(' | ');
  console.log(`       ${adapter}`);
  check(/^Adapter: \S/.test(adapter) && /largest buffer/.test(adapter), 'no adapter info');
  await page.waitForSelector('#cache-view .empty');
  await watchText(page, '#load-text');
  await page.locator('#url').fill(run.modelUrl);
  await page.locator('#url-form button').click();
  await page.waitForSelector('#model-status[data-state]', { timeout: WAIT_MS });
  const status = await page.locator('#model-status').textContent();
  const shown = await page.evaluate(() => (window as unknown as { __texts: string[] }).__texts);
  console.log(`       load showed: ${shown.map((t) => JSON.stringify(t)).join(', ')}`);
  console.log(`       ${status}`);
  check(/qwen2, 2 layers/.test(status ?? ''), `status: ${status}`);
  check(
    shown.some((t) => /^Downloading \d+% · [\d.]+ \/ [\d.]+ MB/.test(t)),
    'no download progress with MB shown',
  );
  await shortAnswers(page, '#chat');
  await ask(page, '#chat', 'Hello there');
  const row = page.locator(`#cache-view tr[data-id="${run.modelUrl}"]`);
  await row.waitFor({ timeout: WAIT_MS });
  const cells = await row.locator('td').allTextContents();
  const storage = await page.locator('#cache-view .storage').getAttribute('data-usage');
  console.log(
    `       cache row: ${cells.slice(0, 3).join(' | ')}; storage line: ${(await page.locator('.storage').textContent())?.replace(/\s+/g, ' ').trim()}`,
  );
  check((await row.getAttribute('data-bytes')) === String(run.model.byteLength), 'cached size is not the file size');
  check(cells[1] === formatBytes(run.model.byteLength) && cells[2] === 'complete', `row ${cells}`);
  check(Number(storage) > 0, `storage use ${storage}`);
  await row.locator('button.delete').click();
  await page.waitForSelector('#cache-view .empty', { timeout: WAIT_MS });
}

async function demoHub(run: Run): Promise<void> {
  const page = run.demoPage!;
  const id = await page.locator('#catalogue').inputValue();
  await page.locator('#catalogue-form button').click();
  await page.waitForFunction(
    (label) => document.getElementById('model-status')!.textContent!.startsWith(`${label}:`),
    id,
    { timeout: WAIT_MS },
  );
  console.log(`       ${id}: ${run.hubRequests!.join(', ')}`);
  check(run.hubRequests!.length > 0, 'nothing was fetched from the hub');
  await ask(page, '#chat', 'Hello hub');
  const row = page.locator(`#cache-view tr[data-id^="hf:"]`);
  await row.waitFor({ timeout: WAIT_MS });
  const cached = await row.getAttribute('data-id');
  console.log(`       cached as ${cached}`);
  check(cached?.endsWith('-Q4_K_M.gguf@main') === true, `cache id ${cached}`);
}

async function demoFile(run: Run): Promise<void> {
  const page = run.demoPage!;
  const seen = run.files!.log.length;
  await page.locator('#file').setInputFiles({
    name: 'tiny-local.gguf',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(run.model),
  });
  await page.waitForFunction(
    () => document.getElementById('model-status')!.textContent!.startsWith('tiny-local.gguf:'),
    undefined,
    { timeout: WAIT_MS },
  );
  check((await chatState(page, '#chat')).messages === 0, 'the old conversation stayed after a new model');
  await ask(page, '#chat', 'Hello again');
  const row = page.locator('#cache-view tr[data-id^="file-upload:tiny-local.gguf:"]');
  await row.waitFor({ timeout: WAIT_MS });
  console.log(`       cached as ${await row.getAttribute('data-id')}`);
  check((await row.getAttribute('data-bytes')) === String(run.model.byteLength), 'cached size is not the file size');
  check(run.files!.log.length === seen, 'the file load fetched from the file server');
  await page.context().close();
  await run.demoSite?.close();
  run.demoSite = undefined;
}

// ---------------------------------------------------------------- the demos

async function oneScriptTag(run: Run): Promise<void> {
  const site = await serveStatic(run.out.demos, {
    '/one-script-tag.html': join(DEMOS, 'one-script-tag.html'),
    '/webseek-chat.js': join(run.out.widget, 'webseek-chat.js'),
    [ONE_TAG_MODEL]: run.model,
  });
  const context = await newContext(run.browser!);
  try {
    const page = await openPage(context, `${site.origin}/one-script-tag.html`, run.pageErrors);
    await waitOrError(
      page,
      `document.querySelector('webseek-chat')?.shadowRoot?.querySelector('.status[data-phase="ready"]')`,
      'preload',
    );
    await shortAnswers(page, 'webseek-chat');
    await ask(page, 'webseek-chat', 'What is the capital of France?');
    const paths = [...new Set(site.log)];
    check(
      paths.every((p) => ['/one-script-tag.html', '/webseek-chat.js', ONE_TAG_MODEL].includes(p)),
      `the page fetched ${JSON.stringify(paths)}`,
    );
  } finally {
    await context.close();
    await site.close();
  }
}

async function workerApi(run: Run): Promise<void> {
  await onDemoPage(run, `worker-api.html?model=${encodeURIComponent(run.modelUrl)}`, async (page) => {
    await page.waitForSelector('#send:enabled', { timeout: WAIT_MS });
    console.log(`       ${await page.locator('#status').textContent()}`);
    // The demo samples (no temperature): an early end-of-sequence can beat the click; then ask again.
    let finish: string | null = null;
    for (let attempt = 1; attempt <= 3 && finish !== 'abort'; attempt++) {
      await page.waitForSelector('#send:enabled', { timeout: WAIT_MS });
      await page.locator('#send').click();
      await page.waitForFunction(() => document.getElementById('out')!.textContent!.length > 0, undefined, {
        timeout: WAIT_MS,
      });
      await page.locator('#stop').click();
      await page.waitForSelector('#out[data-finish]', { state: 'attached', timeout: WAIT_MS });
      finish = await page.locator('#out').getAttribute('data-finish');
      const [out, status] = await Promise.all(['#out', '#status'].map((s) => page.locator(s).textContent()));
      console.log(`       attempt ${attempt}: finish ${finish}; ${status} ${JSON.stringify(out)}`);
    }
    check(finish === 'abort', `finish reason ${finish}: Stop did not interrupt`);
  });
}

async function dragDrop(run: Run): Promise<void> {
  await onDemoPage(run, 'drag-drop.html', async (page) => {
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'dropped.gguf', { type: 'application/octet-stream' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
    }, Buffer.from(run.model).toString('base64'));
    await page.waitForSelector('#status[data-ready]', { timeout: WAIT_MS });
    console.log(`       ${await page.locator('#status').textContent()}`);
    await shortAnswers(page, '#chat');
    await ask(page, '#chat', 'Hi');
  });
}

async function webllmCompat(run: Run): Promise<void> {
  const t = Date.now();
  const files = ['webllm-compat.ts', 'webllm-compat.worker.ts'].map((f) => join(DEMOS, f));
  const { swapped, errors } = typecheckAgainstWebLlm(REPO, files);
  console.log(
    `       tsc: ${files.length} files as they are + ${swapped.length} importing @mlc-ai/web-llm, ${Date.now() - t} ms`,
  );
  check(errors.length === 0, errors.join(' | '));
  await onDemoPage(run, `webllm-compat.html?model=${encodeURIComponent(run.modelUrl)}`, async (page) => {
    await page.waitForSelector('#out[data-done]', { state: 'attached', timeout: WAIT_MS });
    const [status, out, stats] = await Promise.all(
      ['#status', '#out', '#stats'].map((s) => page.locator(s).textContent()),
    );
    const tokens = await page.locator('#out').getAttribute('data-tokens');
    console.log(`       ${status} ${tokens} tokens; ${stats}; ${JSON.stringify(out?.slice(0, 60))}`);
    check(/cached for next time: true/.test(status ?? ''), `status: ${status}`);
    check((out ?? '').length > 0 && Number(tokens) > 0 && Number(tokens) <= 64, `out ${tokens} tokens`);
    check(/decode: [\d.]+ tok\/s/.test(stats ?? ''), `runtimeStatsText: ${stats}`);
  });
}

/** Serves the built demos, opens `path` in a fresh context (its own storage), runs `fn`, closes both. */
async function onDemoPage(run: Run, path: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const site = await serveStatic(run.out.demos);
  const context = await newContext(run.browser!);
  try {
    await fn(await openPage(context, `${site.origin}/${path}`, run.pageErrors));
  } finally {
    await context.close();
    await site.close();
  }
}

async function nodeClient(run: Run): Promise<void> {
  await run.browser?.close();
  run.browser = undefined;
  const model = join(run.dir, 'tiny.gguf');
  writeFileSync(model, run.model);
  const url = await startServe(run, model);
  const t = Date.now();
  const client = spawn(
    process.execPath,
    [join(DEMOS, 'node-client.mjs'), url, 'What is the capital of France?', '48'],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pieces: string[] = [];
  let stderr = '';
  client.stdout.setEncoding('utf8').on('data', (d: string) => pieces.push(d));
  client.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((done) => client.on('exit', done));
  const text = pieces.join('');
  console.log(`       ${Date.now() - t} ms, ${pieces.length} stdout writes; stderr ${stderr.trim()}`);
  console.log(`       stdout ${JSON.stringify(text.slice(0, 80))}`);
  check(code === 0, `node-client.mjs exited ${code}: ${stderr.trim()}`);
  check(text.trim().length > 0, 'no text printed');
  check(pieces.length >= 2, 'the answer arrived in one piece, not streamed');
  const usage = /\[tiny: \d+ prompt \+ (\d+) generated tokens, finish (\w+)/.exec(stderr);
  check(usage !== null && Number(usage[1]) > 0 && Number(usage[1]) <= 48, `no usage line: ${stderr}`);
  await stopServe(run);
}

function startServe(run: Run, model: string): Promise<string> {
  const child = spawn(BIN, ['serve', '--model', model, '--port', '0', '--host', '127.0.0.1'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  run.serve = child;
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /^listening on (http:\/\/\S+)\n/m.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    child.on('exit', (code) => reject(new Error(`webseek serve exited (${code}) before listening: ${stderr}`)));
  });
}

async function stopServe(run: Run): Promise<void> {
  const child = run.serve;
  run.serve = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child.on('exit', done));
  child.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------- plumbing

/** Every http(s) request the context's pages and workers make, as URLs. */
function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => {
    if (/^https?:/.test(request.url())) urls.push(request.url());
  });
  return urls;
}

/**
 * Answers https://huggingface.co/** in `context` with `bytes` (Range, CORS and the hub's X-Linked-* headers
 * with the file's SHA-256), as the hub's resolve URL would; returns the requests seen.
 */
async function routeHub(context: BrowserContext, bytes: Uint8Array): Promise<string[]> {
  const seen: string[] = [];
  const size = bytes.byteLength;
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'Range',
    'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, X-Linked-Etag, X-Linked-Size, Accept-Ranges',
  };
  const linked = { 'X-Linked-Etag': `"${sha256(bytes)}"`, 'X-Linked-Size': String(size), 'Accept-Ranges': 'bytes' };
  await context.route('https://huggingface.co/**', async (route) => {
    const request = route.request();
    const range = request.headers().range;
    seen.push(`${request.method()} ${range ?? 'all'}`);
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const match = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match?.[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
    const headers = { ...cors, ...linked, 'Content-Type': 'application/octet-stream' };
    if (match) Object.assign(headers, { 'Content-Range': `bytes ${start}-${end}/${size}` });
    const body = request.method() === 'HEAD' ? Buffer.alloc(0) : Buffer.from(bytes.subarray(start, end + 1));
    await route.fulfill({ status: match ? 206 : 200, headers, body });
  });
  return seen;
}

/**
 * What the tests change on a page's <webseek-chat>: short answers (the pages ask for up to 512 tokens), and
 * greedy ones, so an answer that is only an end-of-sequence token cannot come and go between runs.
 */
function shortAnswers(page: Page, selector: string): Promise<void> {
  return page.evaluate(
    ([sel, n]) => {
      const chat = document.querySelector(sel as string)!;
      chat.setAttribute('max-tokens', String(n));
      chat.setAttribute('temperature', '0');
    },
    [selector, MAX_TOKENS] as const,
  );
}

/** Keeps each distinct text `selector` shows in window.__texts. */
async function watchText(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    const seen: string[] = [];
    (window as unknown as { __texts: string[] }).__texts = seen;
    new MutationObserver(() => {
      const text = el.textContent ?? '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(el, { subtree: true, childList: true, characterData: true });
  }, selector);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'dist' || entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function pct(fraction: unknown): string {
  return `${Math.round(Number(fraction) * 100)}%`;
}
