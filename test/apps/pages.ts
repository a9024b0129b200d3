import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, launchPersistent } from '../support/browser.ts';

export const WAIT_MS = 60_000;

/** One recorded event: what, when (the page's performance.now()), and its detail. */
export interface Recorded {
  type: string;
  t: number;
  detail: Record<string, unknown> | null;
}

/** A finished answer as <webseek-chat> reported it and showed it. */
export interface Answer {
  reasoning: string;
  content: string;
  finishReason: string;
  completionTokens: number | undefined;
  /** The assistant bubble's text in the DOM. */
  shown: string;
  ms: number;
}

const RECORDED = ['webseek-progress', 'webseek-message', 'webseek-error', 'kiosk-reset', 'keydown'];

export { launchBrowser };

/** A browser whose storage (IndexedDB, service workers, caches) lives in `profile` across launches. */
export async function launchProfile(profile: string): Promise<BrowserContext> {
  const context = await launchPersistent(profile);
  await context.addInitScript(installRecorder, RECORDED);
  return context;
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(installRecorder, RECORDED);
  return context;
}

/** Runs in the page before its own scripts. Events from the shadow DOM are composed: the window sees them all. */
function installRecorder(types: string[]): void {
  const log: Recorded[] = [];
  (window as unknown as { __rec: Recorded[] }).__rec = log;
  for (const type of types) {
    window.addEventListener(
      type,
      (event) => {
        const detail = type === 'keydown' ? null : ((event as CustomEvent).detail ?? null);
        log.push({ type, t: performance.now(), detail: detail === null ? null : JSON.parse(JSON.stringify(detail)) });
      },
      true,
    );
  }
}

/** A new tab on `url`; uncaught page errors go to `errors`. */
export async function openPage(context: BrowserContext, url: string, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`       browser: ${message.text().slice(0, 200)}`);
  });
  await page.goto(url);
  return page;
}

export function recorded(page: Page, type?: string): Promise<Recorded[]> {
  return page.evaluate(
    (t) => (window as unknown as { __rec: Recorded[] }).__rec.filter((r) => t === undefined || r.type === t),
    type,
  );
}

/** Waits for the JS expression `ready` to hold in the page, failing early (with its code) if a <webseek-chat> reports an error. */
export async function waitOrError(page: Page, ready: string, what: string): Promise<void> {
  await page.waitForFunction(`(${ready}) || window.__rec.some((r) => r.type === 'webseek-error')`, undefined, {
    timeout: WAIT_MS,
  });
  const failure = (await recorded(page, 'webseek-error')).at(-1);
  if (failure) throw new Error(`${what}: ${failure.detail?.code}: ${failure.detail?.message}`);
}

/** Types `text` into the <webseek-chat> at `selector`, presses Enter, and waits for the finished answer. */
export async function ask(page: Page, selector: string, text: string): Promise<Answer> {
  const done = (r: Recorded) => r.type === 'webseek-message' || r.type === 'webseek-error';
  const before = (await recorded(page)).filter(done).length;
  const t = Date.now();
  const box = page.locator(`${selector} textarea`);
  await box.fill(text);
  await box.press('Enter');
  await page.waitForFunction(
    (n) =>
      (window as unknown as { __rec: Recorded[] }).__rec.filter(
        (r) => r.type === 'webseek-message' || r.type === 'webseek-error',
      ).length > n,
    before,
    { timeout: WAIT_MS },
  );
  const ms = Date.now() - t;
  const last = (await recorded(page)).filter(done).at(-1)!;
  const d = last.detail ?? {};
  if (last.type === 'webseek-error') throw new Error(`the chat failed: ${d.code}: ${d.message}`);
  const shown = await page.evaluate(
    (sel) => [...document.querySelector(sel)!.shadowRoot!.querySelectorAll('.msg.assistant')].at(-1)?.textContent,
    selector,
  );
  const answer: Answer = {
    reasoning: String(d.reasoning ?? ''),
    content: String(d.content ?? ''),
    finishReason: String(d.finishReason),
    completionTokens: (d.usage as { completion_tokens?: number } | undefined)?.completion_tokens,
    shown: (shown ?? '').trim(),
    ms,
  };
  console.log(
    `       answered in ${ms} ms: ${answer.completionTokens} tokens, finish ${answer.finishReason}, ` +
      `text ${JSON.stringify((answer.reasoning + answer.content).slice(0, 60))}`,
  );
  if (answer.reasoning + answer.content === '') throw new Error('the answer is empty');
  if (answer.shown === '') throw new Error('the answer is not shown in the chat');
  return answer;
}

/** How many messages <webseek-chat> at `selector` shows, and what is typed in it. */
export function chatState(page: Page, selector: string): Promise<{ messages: number; draft: string }> {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel)!.shadowRoot!;
    return {
      messages: root.querySelectorAll('.msg').length,
      draft: (root.querySelector('textarea') as HTMLTextAreaElement).value,
    };
  }, selector);
}
