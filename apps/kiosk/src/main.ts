/**
 * The edge kiosk: one full-screen chat with the model named in
 * kiosk.config.json, preloaded behind a full-screen progress screen. The
 * weights stay in IndexedDB and the page itself in the service worker's
 * cache, so after the first start it runs with the network off. After
 * `idleResetSeconds` without input the conversation is cleared for the next
 * visitor. Nothing is fetched from anywhere but this site and the model's host.
 */
import './styles.css';
import { isRuntimeError, type LoadProgress } from '@webseek/api';
import { type ChatErrorDetail, progressLine, type WebseekChat } from '@webseek/widget';
import { type KioskConfig, loadConfig } from './config.ts';
import { idleClock } from './idle.ts';

/** After a failed start (not cached yet and no network, say), try again this often. */
const RETRY_SECONDS = 30;

const chat = document.getElementById('chat') as WebseekChat;
const screen = document.getElementById('loading')!;
let ready = false;

void start();

async function start(): Promise<void> {
  registerServiceWorker();
  let config: KioskConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    showFailure(describe(error), () => location.reload());
    return;
  }
  applyConfig(config);
  const clock = idleClock(config.idleResetSeconds, startOver, () => chat.status === 'generating');
  chat.addEventListener('webseek-message', () => clock.poke());
  document.getElementById('start-over')!.addEventListener('click', startOver);
}

function applyConfig(config: KioskConfig): void {
  document.title = config.title;
  for (const title of document.querySelectorAll('.title')) title.textContent = config.title;
  chat.systemPrompt = config.systemPrompt;
  chat.maxTokens = config.maxTokens;
  if (config.temperature !== undefined) chat.temperature = config.temperature;
  chat.addEventListener('webseek-progress', (event) => showProgress((event as CustomEvent<LoadProgress>).detail));
  chat.addEventListener('webseek-error', (event) => {
    // Errors after the start are the chat's to show; before it, the whole screen says what went wrong.
    if (!ready)
      showFailure(describe((event as CustomEvent<ChatErrorDetail>).detail), () => chat.load().catch(() => {}));
  });
  // `preload` with a `model`: the element starts its worker and loads at once (see webseek-chat).
  chat.model = config.modelUrl;
  chat.preload = true;
}

function showProgress(p: LoadProgress): void {
  screen.dataset.phase = p.phase;
  (document.getElementById('loading-progress') as HTMLProgressElement).value = p.fraction;
  document.getElementById('loading-text')!.textContent = progressLine(p);
  document.getElementById('loading-error')!.hidden = true;
  if (p.phase === 'ready') {
    ready = true;
    screen.hidden = true;
    document.body.dataset.ready = '';
  }
}

function showFailure(message: string, retry: () => void): void {
  screen.hidden = false;
  screen.dataset.phase = 'failed';
  document.getElementById('loading-text')!.textContent = 'Could not start.';
  const line = document.getElementById('loading-error')!;
  line.hidden = false;
  line.textContent = `${message} Trying again in ${RETRY_SECONDS} s.`;
  setTimeout(retry, RETRY_SECONDS * 1000);
}

/** Clears the conversation and what is typed, for the next visitor. */
function startOver(): void {
  if (chat.status === 'generating') chat.stop();
  if (chat.messages.length === 0 && chat.draft === '') return;
  chat.messages = [];
  chat.draft = '';
  document.dispatchEvent(new CustomEvent('kiosk-reset'));
}

function describe(error: unknown): string {
  if (isRuntimeError(error) || (typeof error === 'object' && error !== null && 'code' in error)) {
    const { code, message } = error as { code: string; message: string };
    return `${code}: ${message}.`;
  }
  return String(error);
}

function registerServiceWorker(): void {
  // Only the build has a service worker (its precache list is written at build time).
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((error) => console.warn('kiosk: no offline shell:', error));
}
