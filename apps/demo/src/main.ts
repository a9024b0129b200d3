/**
 * The zero-install demo: pick a model (the catalogue, a URL, or a local .gguf
 * file), watch it load, chat with it in <webseek-chat>, and see what the
 * weight cache holds. One engine worker serves the page: loading another
 * model replaces the one on the GPU and keeps the compiled pipelines.
 *
 * `?model=<url or hf:owner/repo/file.gguf>` in the page's address loads that model at once.
 */
import './styles.css';
import { isRuntimeError, type LoadProgress } from '@webseek/api';
import { modelSource, progressLine, type WebseekChat } from '@webseek/widget';
import { createWorkerEngine, type WorkerEngine, type WorkerModelSource } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker';
import { MODEL_CATALOGUE } from '@webseek/worker/webllm';
import { refreshCache } from './cache-view.ts';
import { formatBytes } from './format.ts';
import { type GpuReport, probeWebGpu } from './gpu.ts';

type CatalogueEntry = (typeof MODEL_CATALOGUE)[number];

interface LoadRequest {
  /** How the model is named on the page. */
  label: string;
  source: WorkerModelSource;
  /** What the catalogue knows about the file: checked by the weight cache, used to size the KV cache. */
  options?: { contextLength?: number; sha256?: string; bytes?: number };
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const chat = byId<WebseekChat>('chat');
const cacheView = byId<HTMLElement>('cache-view');
const status = byId<HTMLElement>('model-status');

let engine: Promise<WorkerEngine> | undefined;
/** The load in progress, which a new load or Cancel aborts. */
let loading: AbortController | undefined;

void start();

async function start(): Promise<void> {
  fillCatalogue();
  wirePicker();
  void refreshCache(cacheView).catch((error) => fail(cacheView, error));
  const gpu = await probeWebGpu();
  showGpu(gpu);
  const wanted = new URLSearchParams(location.search).get('model');
  if (gpu.ok && wanted) {
    byId<HTMLInputElement>('url').value = wanted;
    void loadModel({ label: wanted, source: modelSource(wanted, document.baseURI) });
  }
}

function fillCatalogue(): void {
  const select = byId<HTMLSelectElement>('catalogue');
  for (const entry of MODEL_CATALOGUE) select.add(new Option(entry.id, entry.id));
}

function wirePicker(): void {
  byId('catalogue-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const entry = MODEL_CATALOGUE.find((e) => e.id === byId<HTMLSelectElement>('catalogue').value);
    if (entry) void loadModel(catalogueRequest(entry));
  });
  byId('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = byId<HTMLInputElement>('url').value.trim();
    try {
      void loadModel({ label: text, source: modelSource(text, document.baseURI) });
    } catch (error) {
      fail(status, error);
    }
  });
  const file = byId<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (picked) void loadModel({ label: picked.name, source: picked });
    file.value = '';
  });
  const drop = byId('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const dropped = event.dataTransfer?.files[0];
    // The File is read by slicing, straight from the disk: nothing is copied into memory first.
    if (dropped) void loadModel({ label: dropped.name, source: dropped });
  });
  byId('load-cancel').addEventListener('click', () => loading?.abort());
}

function catalogueRequest(entry: CatalogueEntry): LoadRequest {
  const { hfRepo, file, revision, contextLength, sha256, bytes } = entry;
  return {
    label: entry.id,
    source: { hfRepo, file, ...(revision ? { revision } : {}) },
    options: {
      ...(contextLength ? { contextLength } : {}),
      ...(sha256 ? { sha256 } : {}),
      ...(bytes ? { bytes } : {}),
    },
  };
}

async function loadModel(request: LoadRequest): Promise<void> {
  loading?.abort();
  const abort = new AbortController();
  loading = abort;
  showProgress(undefined);
  status.textContent = `Loading ${request.label}…`;
  try {
    const worker = await workerEngine();
    const model = await worker.reload(request.source, {
      ...request.options,
      signal: abort.signal,
      onProgress: (p) => loading === abort && showProgress(p),
    });
    chat.engine = worker;
    chat.messages = [];
    chat.dataset.model = model.id;
    const device = (await worker.info()).device ?? 'the GPU';
    status.textContent =
      `${request.label}: ${model.arch}, ${model.nLayer} layers, ${formatBytes(model.weightBytes)} of weights on ` +
      `${device}, context ${model.contextLength} tokens. Ask away below.`;
    status.dataset.state = 'ready';
  } catch (error) {
    if (loading !== abort) return;
    if (isRuntimeError(error, 'ABORTED')) status.textContent = 'Load cancelled.';
    else fail(status, error);
    status.dataset.state = 'failed';
  } finally {
    if (loading === abort) {
      loading = undefined;
      byId('load').hidden = true;
    }
    void refreshCache(cacheView).catch((error) => fail(cacheView, error));
  }
}

/** The page's one engine worker, started on first use and again if it dies. */
function workerEngine(): Promise<WorkerEngine> {
  if (!engine) {
    const started = createWorkerEngine(new EngineWorker({ name: 'webseek-demo' }));
    engine = started;
    void started.then((e) =>
      e.lost.then(() => {
        if (engine === started) engine = undefined;
      }),
    );
  }
  return engine;
}

function showProgress(p: LoadProgress | undefined): void {
  byId('load').hidden = false;
  byId<HTMLProgressElement>('load-progress').value = p?.fraction ?? 0;
  byId('load-text').textContent = p ? progressLine(p) : 'Starting the engine…';
  if (p) byId('load').dataset.phase = p.phase;
}

function showGpu(gpu: GpuReport): void {
  const root = byId('gpu-info');
  root.dataset.ok = String(gpu.ok);
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('.needs-gpu')) {
    control.disabled = !gpu.ok;
  }
  if (!gpu.ok) {
    root.replaceChildren(paragraph(gpu.reason, 'missing'));
    return;
  }
  const name = [gpu.vendor, gpu.architecture, gpu.device].filter(Boolean).join(' · ') || 'an unnamed adapter';
  const f16 = gpu.features.includes('shader-f16') ? 'with shader-f16' : 'without shader-f16 (f32 arithmetic)';
  root.replaceChildren(
    paragraph(`Adapter: ${name}${gpu.description ? ` (${gpu.description})` : ''}`, 'adapter'),
    paragraph(
      `${f16}; largest buffer ${formatBytes(gpu.maxBufferSize)}, ` +
        `largest storage binding ${formatBytes(gpu.maxStorageBufferBindingSize)}.`,
      'limits',
    ),
  );
}

function fail(where: HTMLElement, error: unknown): void {
  const code = isRuntimeError(error) ? error.code : error instanceof Error ? error.name : 'ERROR';
  where.replaceChildren(paragraph(`${code}: ${error instanceof Error ? error.message : String(error)}`, 'error'));
}

function paragraph(text: string, className: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  return p;
}
