/**
 * The page only starts the dedicated module Worker and relays its messages to
 * the Node harness through the function the harness exposed on the page.
 */
import { REPORT_FUNCTION, type SmokeEvent, type StartMessage } from './protocol.ts';

const report = (window as unknown as Record<string, (event: SmokeEvent) => Promise<void>>)[REPORT_FUNCTION];
const send = (event: SmokeEvent) => (report ? report(event) : console.log(JSON.stringify(event)));

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'webseek-smoke' });
worker.onmessage = (event: MessageEvent<SmokeEvent>) => void send(event.data);
// A worker that fails to load or throws outside a case ends the run, with the reason.
worker.onerror = (event) => {
  event.preventDefault();
  void send({
    type: 'fatal',
    message: `worker error: ${event.message || 'failed to load (the Vite server log above says why)'}`,
  });
};
worker.onmessageerror = () => void send({ type: 'fatal', message: 'worker sent a message that could not be cloned' });

const start: StartMessage = { type: 'start', grep: new URLSearchParams(location.search).get('grep') ?? '' };
worker.postMessage(start);
