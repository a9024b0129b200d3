/**
 * <webseek-chat> in headless Chromium (WebGPU on SwiftShader), the way an
 * intranet page uses it: the widget is BUILT first (packages/widget's Vite
 * library build, into a temp dir), and test/widget/index.html embeds that one
 * file with one <script type="module"> tag; a tiny synthetic qwen2 model is
 * served by the local range server and loaded by the worker the element
 * starts itself.
 *
 *   node --import ./scripts/register-ts.mjs test/widget/run-widget.ts [--report FILE] [--timeout-s 150]
 *
 * Cases: the bundle is one file within its size budget; load progress shows
 * and reaches ready; Enter sends and the answer streams into the DOM, the
 * reasoning in its own <details>; Stop ends a generation early; a scripted
 * engine (given through the `engine` property) streams reasoning, markdown
 * and hostile text; hostile markdown set as a message runs nothing; a model
 * URL that 404s shows the error code; removal terminates the worker.
 * Prints one line per case and 'N passed, N failed'; exits non-zero on failure.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ERROR_CODES } from '@webseek/api';
import { concatBytes, makeSyntheticModel, writeGguf } from '@webseek/formats';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { type Block, type Inline, parseMarkdown } from '../../packages/widget/src/markdown.ts';
import { launchBrowser } from '../support/browser.ts';
import { tinyQwen2 } from '../support/models.ts';
import { type RangeServer, startRangeServer } from '../support/range-server.ts';
import {
  type CaseResult,
  check,
  exitIfHung,
  finishRunner,
  runCase,
  runnerArgs,
  withDeadline,
} from '../support/runner.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const BUNDLE = 'webseek-chat.js';
/** What the one script tag may cost a page (Lit + the element + the whole engine worker). */
const RAW_BUDGET = 384 * 1024;
const GZIP_BUDGET = 128 * 1024;
const WAIT_MS = 60_000;
/** Model output built to run code if any of it became markup or a live URL; each sets a different window.__pwned. */
const HOSTILE = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '[click me](javascript:window.__pwned=3) [data](data:text/html,<script>parent.__pwned=4</script>)',
  '<a href="javascript:window.__pwned=5">html link</a> <svg onload="window.__pwned=6"></svg>',
  '<iframe srcdoc="<script>parent.__pwned=7</script>"></iframe> **<b onmouseover="window.__pwned=8">x</b>**',
  '# <style>*{display:none}</style>heading',
  '> <details open ontoggle="window.__pwned=9">',
  '- [ok](https://example.com/ok) `<script>`',
  '```\n<script>window.__pwned=10</script>\n```',
].join('\n\n');
// The e2e's tiny qwen2 (GQA, q/k/v biases, q8_0, the 301-id tiny vocabulary), with room for a conversation.
const SPEC = tinyQwen2({ ctxTrain: 512 });

interface Site {
  origin: string;
  /** Paths the page fetched from the site. */
  log: string[];
  close(): Promise<void>;
}

interface Run {
  dir: string;
  bundlePath: string;
  model: Uint8Array;
  modelUrl: string;
  server?: RangeServer;
  site?: Site;
  browser?: Browser;
  page?: Page;
  pageErrors: string[];
}

/** What the page's recorder (installed before any page script) keeps on window.__ws. */
interface Recorded {
  type: string;
  id: string;
  t: number;
  detail: Record<string, unknown>;
}

const { report, timeoutMs: TIMEOUT_MS } = runnerArgs(150);
const began = Date.now();
exitIfHung('widget', TIMEOUT_MS);
finishRunner('widget', await runAll(), began, report);

async function runAll(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'webseek-widget-'));
  const run: Run = { dir, bundlePath: join(dir, BUNDLE), model: new Uint8Array(), modelUrl: '', pageErrors: [] };
  try {
    await withDeadline('widget', runCases(run, results), TIMEOUT_MS, results, began);
  } finally {
    await run.browser?.close().catch(() => {});
    await run.server?.close().catch(() => {});
    await run.site?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return results;
}

async function runCases(run: Run, results: CaseResult[]): Promise<void> {
  const cases: [string, (run: Run) => Promise<void>][] = [
    ['1. the build is one ES module file within the size budget', bundle],
    ['2. one script tag: load progress shows (phase, %, MB) and reaches ready; the page fetched nothing else', load],
    ['3. Enter sends (Shift+Enter is a newline); the answer streams into the DOM; reasoning apart', stream],
    ['4. Stop ends a generation early (finish_reason abort, fewer than max-tokens)', stop],
    ['5. an injected engine: reasoning and markdown answer in separate regions, tok/s, request shape', scripted],
    ['6. hostile markdown set as a message renders as text and runs nothing', hostile],
    ['7. first use starts the worker; a model URL that 404s shows the RuntimeError code and message', missing],
    ['8. removing an element terminates the worker it started, not an injected engine', removal],
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

// ---------------------------------------------------------------- cases

async function bundle(run: Run): Promise<void> {
  const out = join(run.dir, 'dist');
  const t = Date.now();
  await build({
    configFile: join(REPO, 'packages', 'widget', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: out, emptyOutDir: true },
  });
  const files = readdirSync(out);
  check(files.length === 1 && files[0] === BUNDLE, `the build wrote ${JSON.stringify(files)}, not one ${BUNDLE}`);
  const code = readFileSync(join(out, BUNDLE));
  writeFileSync(run.bundlePath, code);
  // That it imports nothing else is case 2's check: the page fetches only itself and this file.
  const gzip = gzipSync(code, { level: 9 }).byteLength;
  console.log(
    `       ${BUNDLE}: ${kib(code.byteLength)} raw, ${kib(gzip)} gzip (budget ${kib(RAW_BUDGET)} / ${kib(GZIP_BUDGET)}); built in ${Date.now() - t} ms`,
  );
  check(code.byteLength <= RAW_BUDGET, `${code.byteLength} bytes is over the raw budget of ${RAW_BUDGET}`);
  check(gzip <= GZIP_BUDGET, `${gzip} gzip bytes is over the gzip budget of ${GZIP_BUDGET}`);

  run.model = concatBytes(writeGguf(makeSyntheticModel(SPEC)));
  run.server = await startRangeServer();
  run.modelUrl = run.server.add('tiny-qwen2-q8_0.gguf', { bytes: run.model, etag: 'tiny-widget' });
  run.site = await startSite({ '/': join(HERE, 'index.html'), [`/${BUNDLE}`]: run.bundlePath });
}

async function load(run: Run): Promise<void> {
  const page = await openPage(run);
  const html = readFileSync(join(HERE, 'index.html'), 'utf8');
  check((html.match(/<script\b/g) ?? []).length === 1, 'index.html should have exactly one script tag');
  await page.evaluate((url) => {
    const el = document.getElementById('main')!;
    const seen: string[] = [];
    (window as unknown as { __statusTexts: string[] }).__statusTexts = seen;
    new MutationObserver(() => {
      const text = el.shadowRoot!.querySelector('.progress-text')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true });
    el.setAttribute('model', url);
    el.setAttribute('preload', '');
  }, run.modelUrl);
  await page.waitForFunction(
    () => document.getElementById('main')?.shadowRoot?.querySelector('.status[data-phase="ready"]'),
    undefined,
    { timeout: WAIT_MS },
  );
  const texts = await page.evaluate(() => (window as unknown as { __statusTexts: string[] }).__statusTexts);
  const progress = (await recorded(page, 'webseek-progress', 'main')).map((e) => e.detail);
  console.log(`       status line showed: ${texts.map((t) => JSON.stringify(t)).join(', ')}`);
  console.log(
    `       ${progress.length} webseek-progress events: ${progress.map((p) => `${p.phase} ${pct(p.fraction)}`).join(', ')}`,
  );
  const size = run.model.byteLength;
  check(progress.length >= 3, `only ${progress.length} progress events`);
  check(
    progress.some((p) => p.phase === 'download' && p.bytesDone === size && p.bytesTotal === size),
    `no download progress reached ${size} bytes`,
  );
  check(
    progress.every((p, i) => i === 0 || (p.fraction as number) >= (progress[i - 1]!.fraction as number)),
    'the load fraction went backwards',
  );
  const last = progress.at(-1)!;
  check(last.phase === 'ready' && last.fraction === 1, `last progress ${JSON.stringify(last)}`);
  check(texts.at(-1) === 'Ready 100%', `the status line ended at ${JSON.stringify(texts.at(-1))}`);
  check(
    texts.some((t) => /^(Downloading|Uploading to the GPU|Verifying) \d+% · [\d.]+ \/ [\d.]+ MB/.test(t)),
    'the status line never showed a phase with a percentage and MB',
  );
  check(
    JSON.stringify(run.site!.log) === JSON.stringify(['/', `/${BUNDLE}`]),
    `the page fetched ${JSON.stringify(run.site!.log)} from its site (want the page and the one script)`,
  );
}

async function stream(run: Run): Promise<void> {
  const page = run.page!;
  const box = page.locator('#main textarea');
  await box.fill('Hello');
  await box.press('Shift+Enter');
  await box.pressSequentially('What is the capital of France?');
  const typed = await box.inputValue();
  check(
    typed === 'Hello\nWhat is the capital of France?',
    `Shift+Enter did not make a newline: ${JSON.stringify(typed)}`,
  );
  check((await page.locator('#main .msg.user').count()) === 0, 'Shift+Enter sent the message');
  await watchGrowth(page, 'main');
  const t = Date.now();
  await box.press('Enter');
  const message = await waitForRecorded(page, 'webseek-message', 'main', 1);
  const growth = await page.evaluate(() => (window as unknown as { __growth: number[] }).__growth);
  const ui = await assistantView(page, 'main', 0);
  const reasoning = String(message.reasoning ?? '');
  const content = String(message.content ?? '');
  const usage = message.usage as { completion_tokens: number; extra?: { decode_tokens_per_s: number } } | undefined;
  console.log(
    `       ${Date.now() - t} ms; finish ${message.finishReason}; ${usage?.completion_tokens} tokens; reasoning ${JSON.stringify(reasoning)} content ${JSON.stringify(content)}`,
  );
  console.log(`       assistant text length as it rendered: ${growth.join(' → ')}; meta ${JSON.stringify(ui.meta)}`);
  check(
    (await page.locator('#main .msg.user').first().textContent()) === typed,
    'the user bubble does not show what was typed',
  );
  check((await box.inputValue()) === '', 'the input was not cleared after sending');
  check(reasoning.length + content.length > 0, 'the answer is empty');
  check(growth.filter((n) => n > 0).length >= 3, `the answer did not grow over time: ${growth.join(', ')}`);
  check(
    growth.every((n, i) => i === 0 || n >= growth[i - 1]!),
    `the streamed text shrank: ${growth.join(', ')}`,
  );
  check(
    ui.reasoning === displayText(reasoning),
    `reasoning region ${JSON.stringify(ui.reasoning)} vs ${JSON.stringify(reasoning)}`,
  );
  check(ui.answer === displayText(content), `answer region ${JSON.stringify(ui.answer)} vs ${JSON.stringify(content)}`);
  check(!ui.answerInsideDetails && (reasoning === '' || ui.hasDetails), 'the reasoning and the answer share a region');
  check((usage?.completion_tokens ?? 99) <= 12, `max-tokens 12 not honoured: ${usage?.completion_tokens}`);
  const rate = usage?.extra?.decode_tokens_per_s;
  if (rate !== undefined && rate > 0)
    check(/tok\/s/.test(ui.meta), `usage.extra has ${rate} tok/s; the bubble shows ${ui.meta}`);
}

async function stop(run: Run): Promise<void> {
  const page = run.page!;
  const maxTokens = 120;
  await page.evaluate((n) => document.getElementById('main')!.setAttribute('max-tokens', String(n)), maxTokens);
  await watchGrowth(page, 'main');
  await page.locator('#main textarea').fill('Tell me a long story.');
  await page.locator('#main textarea').press('Enter');
  // Stop once the answer is visibly streaming.
  await page.waitForFunction(
    () => ((window as unknown as { __growth: number[] }).__growth.at(-1) ?? 0) > 0,
    undefined,
    { timeout: WAIT_MS },
  );
  const t = Date.now();
  await page.locator('#main button.stop').click();
  const message = await waitForRecorded(page, 'webseek-message', 'main', 2);
  const usage = message.usage as { completion_tokens: number } | undefined;
  const ui = await assistantView(page, 'main', 1);
  console.log(
    `       stopped after ${usage?.completion_tokens} of ${maxTokens} tokens, ${Date.now() - t} ms after the click; meta ${JSON.stringify(ui.meta)}`,
  );
  check(message.finishReason === 'abort', `finish reason ${message.finishReason}, not abort`);
  check((usage?.completion_tokens ?? maxTokens) < maxTokens, `generated ${usage?.completion_tokens} tokens`);
  check(ui.meta.includes('stopped'), `the bubble does not say it was stopped: ${JSON.stringify(ui.meta)}`);
  check((await page.locator('#main button.send').count()) === 1, 'the Send button did not come back');
}

async function scripted(run: Run): Promise<void> {
  const page = run.page!;
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const el = document.createElement('webseek-chat');
    el.id = 'scripted';
    el.setAttribute('system-prompt', 'Be kind.');
    el.setAttribute('max-tokens', '40');
    document.body.append(el);
    const reasoning = ['Let me ', 'think about ', '**why**', '.\n\nDone.'];
    const content = [
      'The answer: ',
      '**4',
      '2**.\n\n',
      '- see [docs](https://example.com/docs)\n',
      '- [bad](javascript:window.__pwned=5) <img src=x ',
      'onerror="window.__pwned=6">\n',
      '\n```html\n<script>window.__pwned=7</script>\n```',
    ];
    const chunk = (delta: Record<string, string>, finish: string | null = null) => ({
      id: 'x',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'scripted',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const extra = { decode_tokens_per_s: 5, prefill_tokens_per_s: 50, time_to_first_token_s: 0.1 };
    const usage = { prompt_tokens: 9, completion_tokens: 11, total_tokens: 20, extra };
    const chunks = [
      ...reasoning.map((r) => chunk({ reasoning_content: r })),
      ...content.map((c) => chunk({ content: c })),
      chunk({}, 'stop'),
      { ...chunk({}), choices: [], usage },
    ];
    const seen: Record<string, unknown> = { requests: [], terminated: false, thinkingShown: false };
    w.__scripted = seen;
    (el as unknown as { engine: unknown }).engine = {
      reload: async () => {},
      interruptGenerate: () => {},
      terminate: () => {
        seen.terminated = true;
      },
      chat: {
        completions: {
          create: async (request: unknown) => {
            (seen.requests as unknown[]).push(request);
            return (async function* () {
              for (const c of chunks) {
                await new Promise((r) => setTimeout(r, 25));
                const details = el.shadowRoot!.querySelector('details.reasoning') as HTMLDetailsElement | null;
                if (details?.open && details.querySelector('summary')?.textContent === 'Thinking…')
                  seen.thinkingShown = true;
                yield c;
              }
            })();
          },
        },
      },
    };
    void (el as unknown as { send(text: string): Promise<void> }).send('Why?');
  });
  const message = await waitForRecorded(page, 'webseek-message', 'scripted', 1);
  const ui = await assistantView(page, 'scripted', 0);
  const seen = (await page.evaluate(() => (window as unknown as { __scripted: unknown }).__scripted)) as {
    requests: Record<string, unknown>[];
    thinkingShown: boolean;
  };
  const dom = await shadowFacts(page, 'scripted');
  console.log(
    `       reasoning ${JSON.stringify(ui.reasoning)}; answer ${JSON.stringify(ui.answer)}; meta ${JSON.stringify(ui.meta)}`,
  );
  const request = seen.requests[0]!;
  check(
    JSON.stringify(request.messages) ===
      JSON.stringify([
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Why?' },
      ]),
    `request messages ${JSON.stringify(request.messages)}`,
  );
  check(request.stream === true && request.max_tokens === 40, `request ${JSON.stringify(request)}`);
  check(
    (request.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true,
    'the request did not ask for usage',
  );
  check(ui.hasDetails && !ui.answerInsideDetails, 'the reasoning is not in its own <details>');
  check(ui.reasoning === 'Let me think about why.Done.', `reasoning region ${JSON.stringify(ui.reasoning)}`);
  check(ui.answer === displayText(String(message.content)), `answer region ${JSON.stringify(ui.answer)}`);
  check(!ui.answer.includes('think about') && !ui.reasoning.includes('answer'), 'reasoning and answer text mixed');
  check(seen.thinkingShown, 'the reasoning was never shown open as "Thinking…" while streaming');
  check(!ui.detailsOpen && ui.summary === 'Reasoning', `after the answer: open ${ui.detailsOpen}, '${ui.summary}'`);
  check(dom.strong.includes('42'), `no <strong>42</strong> in the answer: ${JSON.stringify(dom.strong)}`);
  check(
    JSON.stringify(dom.links) ===
      JSON.stringify([
        { href: 'https://example.com/docs', rel: 'noopener noreferrer', target: '_blank', text: 'docs' },
      ]),
    `links ${JSON.stringify(dom.links)}`,
  );
  check(ui.meta === '11 tokens · 5.0 tok/s', `meta ${JSON.stringify(ui.meta)}`);
  assertInert(dom, 'scripted');
}

async function hostile(run: Run): Promise<void> {
  const page = run.page!;
  await page.evaluate(
    ([md]) => {
      const el = document.createElement('webseek-chat');
      el.id = 'hostile';
      document.body.append(el);
      (el as unknown as { messages: unknown }).messages = [
        { role: 'user', content: '<img src=y onerror="window.__pwned=11">' },
        { role: 'assistant', content: md, reasoning: '<script>window.__pwned=12</script>' },
      ];
    },
    [HOSTILE],
  );
  await page.waitForFunction(() => document.getElementById('hostile')?.shadowRoot?.querySelector('.answer p'));
  // Give event handlers and any injected script a chance to run (errors load, toggles fire).
  await page.waitForTimeout(500);
  await page.locator('#hostile details.reasoning summary').click();
  const dom = await shadowFacts(page, 'hostile');
  const ui = await assistantView(page, 'hostile', 0);
  console.log(`       answer text: ${JSON.stringify(ui.answer.slice(0, 120))}…`);
  assertInert(dom, 'hostile');
  check(ui.answer.includes('<script>window.__pwned = 1</script>'), 'the <script> source is not shown as text');
  check(ui.answer.includes('<img src=x onerror="window.__pwned = 2">'), 'the <img> source is not shown as text');
  check(
    ui.answer.includes('[click me](javascript:window.__pwned=3)'),
    'the javascript: link is not shown as its source',
  );
  check(ui.reasoning === '<script>window.__pwned=12</script>', 'the reasoning is not literal text');
  check(dom.userText === '<img src=y onerror="window.__pwned=11">', 'the user bubble is not literal text');
  check(
    dom.links.length === 1 && dom.links[0]!.href === 'https://example.com/ok',
    `links: ${JSON.stringify(dom.links)} (want the one https link)`,
  );
}

async function missing(run: Run): Promise<void> {
  const page = run.page!;
  const url = `${run.server!.origin}/files/missing.gguf`;
  const workers = page.workers().length;
  await page.evaluate((u) => {
    const el = document.createElement('webseek-chat');
    el.id = 'missing';
    el.setAttribute('model', u);
    document.body.append(el);
  }, url);
  await page.waitForTimeout(200);
  check(page.workers().length === workers, 'the element started a worker before its first use');
  // First use: the message starts the worker and the load, which fails.
  await page.locator('#missing textarea').fill('Hello?');
  await page.locator('#missing textarea').press('Enter');
  const error = await waitForRecorded(page, 'webseek-error', 'missing', 1);
  const shown = await page.evaluate(() => {
    const root = document.getElementById('missing')!.shadowRoot!;
    return {
      code: root.querySelector('.error .code')?.textContent ?? '',
      message: root.querySelector('.error .message')?.textContent ?? '',
      role: root.querySelector('.error')?.getAttribute('role') ?? '',
    };
  });
  console.log(`       shown: ${shown.code}: ${shown.message}`);
  check((ERROR_CODES as readonly string[]).includes(String(error.code)), `not a RuntimeError code: ${error.code}`);
  check(error.code === 'NETWORK', `a 404 should be NETWORK, got ${error.code}`);
  check(shown.code === error.code && shown.message === error.message, 'the error shown differs from the event');
  check(/404/.test(shown.message), `the message does not mention the 404: ${shown.message}`);
  check(shown.role === 'alert', 'the error is not announced (role=alert)');
  const bubbles = await page.evaluate(() =>
    [...document.getElementById('missing')!.shadowRoot!.querySelectorAll('.msg')].map((m) => m.className),
  );
  check(
    JSON.stringify(bubbles) === JSON.stringify(['msg user']),
    `after the failed load the log holds ${JSON.stringify(bubbles)} (want the question, no empty answer)`,
  );
  check((await page.locator('#missing button.send').count()) === 1, 'no Send button after the failure');
}

async function removal(run: Run): Promise<void> {
  const page = run.page!;
  const before = page.workers().length;
  console.log(`       ${before} workers before removal`);
  check(before === 2, `expected 2 engine workers (#main, #missing), found ${before}`);
  for (const id of ['main', 'missing']) {
    const count = page.workers().length;
    const closed = Promise.race(
      page.workers().map((w) => new Promise<void>((resolve) => w.once('close', () => resolve()))),
    );
    await page.evaluate((i) => document.getElementById(i)!.remove(), id);
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`#${id}'s worker did not close`)), 10_000)),
    ]);
    check(page.workers().length === count - 1, `removing #${id}: ${page.workers().length} workers left of ${count}`);
  }
  await page.evaluate(() => document.getElementById('scripted')!.remove());
  const terminated = await page.evaluate(
    () => (window as unknown as { __scripted: { terminated: boolean } }).__scripted.terminated,
  );
  check(!terminated, 'removing #scripted terminated the engine it was given');
}

// ---------------------------------------------------------------- page helpers

async function openPage(run: Run): Promise<Page> {
  run.browser = await launchBrowser();
  const page = await run.browser.newPage();
  // tsx (esbuild keepNames) wraps named functions in __name(); Playwright sends the functions' source to the page.
  await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  page.on('pageerror', (e) => run.pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`       browser: ${m.text()}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __ws: Recorded[] };
    w.__ws = [];
    for (const type of ['webseek-progress', 'webseek-message', 'webseek-error']) {
      document.addEventListener(type, (e) => {
        const detail = JSON.parse(JSON.stringify((e as CustomEvent).detail));
        w.__ws.push({ type, id: (e.target as Element).id, t: performance.now(), detail });
      });
    }
  });
  await page.goto(`${run.site!.origin}/`);
  await page.waitForFunction(() => customElements.get('webseek-chat') !== undefined);
  run.page = page;
  return page;
}

function recorded(page: Page, type: string, id: string): Promise<Recorded[]> {
  return page.evaluate(
    ([t, i]) => (window as unknown as { __ws: Recorded[] }).__ws.filter((e) => e.type === t && e.id === i),
    [type, id] as const,
  );
}

/** The `n`th (1-based) event of `type` from element `id`; fails early on an error event from it. */
async function waitForRecorded(page: Page, type: string, id: string, n: number): Promise<Record<string, unknown>> {
  await page.waitForFunction(
    ([t, i, k]) => {
      const events = (window as unknown as { __ws: Recorded[] }).__ws.filter((e) => e.id === i);
      return (
        events.filter((e) => e.type === t).length >= k ||
        (t !== 'webseek-error' && events.some((e) => e.type === 'webseek-error'))
      );
    },
    [type, id, n] as const,
    { timeout: WAIT_MS },
  );
  const events = await recorded(page, type, id);
  if (events.length < n) {
    const [error] = await recorded(page, 'webseek-error', id);
    throw new Error(`#${id} failed: ${error?.detail.code}: ${error?.detail.message}`);
  }
  return events[n - 1]!.detail;
}

/** Records the last assistant bubble's text length at every DOM change, into window.__growth. */
async function watchGrowth(page: Page, id: string): Promise<void> {
  await page.evaluate((i) => {
    const root = document.getElementById(i)!.shadowRoot!;
    const growth: number[] = [];
    const w = window as unknown as { __growth: number[]; __growthObserver?: MutationObserver };
    w.__growthObserver?.disconnect();
    w.__growth = growth;
    const observer = new MutationObserver(() => {
      const bubbles = root.querySelectorAll('.msg.assistant[data-state="streaming"]');
      const last = bubbles[bubbles.length - 1];
      const length = last?.querySelector('.reasoning-text, .answer') ? (last.textContent ?? '').trim().length : -1;
      if (length >= 0 && growth.at(-1) !== length) growth.push(length);
    });
    observer.observe(root, { subtree: true, childList: true, characterData: true });
    w.__growthObserver = observer;
  }, id);
}

interface AssistantView {
  reasoning: string;
  answer: string;
  meta: string;
  hasDetails: boolean;
  detailsOpen: boolean;
  summary: string;
  answerInsideDetails: boolean;
}

function assistantView(page: Page, id: string, index: number): Promise<AssistantView> {
  return page.evaluate(
    ([i, k]) => {
      const bubble = document.getElementById(i)!.shadowRoot!.querySelectorAll('.msg.assistant')[k]!;
      const details = bubble.querySelector('details.reasoning') as HTMLDetailsElement | null;
      const answer = bubble.querySelector('.answer')!;
      return {
        reasoning: details?.querySelector('.reasoning-text')?.textContent ?? '',
        answer: answer.textContent ?? '',
        meta: bubble.querySelector('.meta')?.textContent ?? '',
        hasDetails: details !== null,
        detailsOpen: details?.open ?? false,
        summary: details?.querySelector('summary')?.textContent ?? '',
        answerInsideDetails: answer.closest('details') !== null,
      };
    },
    [id, index] as const,
  );
}

interface ShadowFacts {
  pwned: unknown;
  /** Elements that can run or load something, anywhere in the page or the element's shadow DOM. */
  dangerous: string[];
  /** Attributes named on* in the shadow DOM. */
  handlers: string[];
  links: { href: string; rel: string; target: string; text: string }[];
  strong: string[];
  userText: string;
}

function shadowFacts(page: Page, id: string): Promise<ShadowFacts> {
  return page.evaluate((i) => {
    const root = document.getElementById(i)!.shadowRoot!;
    const all = [...root.querySelectorAll('*'), ...document.querySelectorAll('body *')];
    const risky = 'script, img, iframe, svg, object, embed, style, link, meta, base, form form, video, audio';
    return {
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      // The page's own one script tag is the only such element it had.
      dangerous: [...root.querySelectorAll(risky), ...document.body.querySelectorAll(risky)]
        .filter((e) => e.getAttribute('src') !== './webseek-chat.js')
        .map((e) => e.outerHTML),
      handlers: all.flatMap((e) => e.getAttributeNames().filter((n) => n.toLowerCase().startsWith('on'))),
      links: [...root.querySelectorAll('a')].map((a) => ({
        href: a.getAttribute('href') ?? '',
        rel: a.getAttribute('rel') ?? '',
        target: a.getAttribute('target') ?? '',
        text: a.textContent ?? '',
      })),
      strong: [...root.querySelectorAll('.answer strong')].map((s) => s.textContent ?? ''),
      userText: root.querySelector('.msg.user')?.textContent ?? '',
    };
  }, id);
}

function assertInert(dom: ShadowFacts, id: string): void {
  check(dom.pwned === undefined, `#${id}: injected code ran (window.__pwned = ${JSON.stringify(dom.pwned)})`);
  check(dom.dangerous.length === 0, `#${id}: markup from the model became elements: ${dom.dangerous.join(' ')}`);
  check(dom.handlers.length === 0, `#${id}: on* attributes in the DOM: ${dom.handlers.join(', ')}`);
  for (const link of dom.links) {
    check(/^(https?:|mailto:)/.test(link.href), `#${id}: a link to ${link.href}`);
    check(
      link.rel === 'noopener noreferrer' && link.target === '_blank',
      `#${id}: link attributes ${JSON.stringify(link)}`,
    );
  }
}

// ---------------------------------------------------------------- plumbing

/** What the DOM's textContent of rendered markdown is: its text and code, in order (breaks add nothing). */
function displayText(markdown: string): string {
  const out: string[] = [];
  const inline = (n: Inline): void => {
    if (n.type === 'text' || n.type === 'code') out.push(n.text);
    if ('children' in n) n.children.forEach(inline);
  };
  const block = (b: Block): void => {
    if (b.type === 'paragraph' || b.type === 'heading') b.children.forEach(inline);
    else if (b.type === 'code') out.push(b.text);
    else if (b.type === 'blockquote') b.children.forEach(block);
    else if (b.type === 'list') for (const item of b.items) item.forEach(block);
  };
  parseMarkdown(markdown).forEach(block);
  return out.join('');
}

/** The page and the built script over HTTP, with the types a module script needs. */
async function startSite(routes: Record<string, string>): Promise<Site> {
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(path);
    const file = routes[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function pct(fraction: unknown): string {
  return `${Math.round(Number(fraction) * 100)}%`;
}
