// demos/drag-drop.ts — a local GGUF File → the worker engine (read from disk by slices, cached in IndexedDB) → <webseek-chat>.
import '@webseek/widget';
import type { WebseekChat } from '@webseek/widget';
import { createWorkerEngine } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker';

const chat = document.getElementById('chat') as WebseekChat;
const status = document.getElementById('status')!;
const drop = document.getElementById('drop')!;
const picker = document.getElementById('file') as HTMLInputElement;
// Started now, awaited on the first file: the drop zone listens from the moment the page runs.
const engine = createWorkerEngine(new EngineWorker());

async function open(file: File): Promise<void> {
  status.textContent = `Opening ${file.name}…`;
  try {
    // A File crosses to the worker without a copy; the engine reads the slices it needs.
    const worker = await engine;
    const model = await worker.reload(file, { onProgress: (p) => (status.textContent = p.text) });
    // An engine given to the element is used as it is: no `model` attribute needed.
    chat.engine = worker;
    chat.messages = [];
    status.textContent = `${file.name}: ${model.arch}, ${model.nLayer} layers. Ask away.`;
    status.dataset.ready = '';
  } catch (error) {
    status.textContent = `${(error as { code?: string }).code ?? 'Error'}: ${(error as Error).message}`;
  }
}

picker.addEventListener('change', () => {
  if (picker.files?.[0]) void open(picker.files[0]);
});
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void open(file);
});
