// demos/worker-api.ts — createWorkerEngine: load a model with progress, stream a chat completion into a <pre>, stop it.
import { createWorkerEngine } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker';

const DEFAULT_MODEL = {
  hfRepo: 'unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF',
  file: 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf',
};
const model = new URLSearchParams(location.search).get('model') ?? DEFAULT_MODEL;
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const [out, status, send] = [byId('out'), byId('status'), byId<HTMLButtonElement>('send')];

// The worker owns the GPU device and the weights; this page only sends messages to it.
const engine = await createWorkerEngine(new EngineWorker());
const info = await engine.reload(model, {
  onProgress: (p) => {
    byId<HTMLProgressElement>('progress').value = p.fraction;
    status.textContent = p.text;
  },
});
status.textContent = `${info.id} is ready.`;
send.disabled = false;

byId('stop').addEventListener('click', () => engine.interruptGenerate());
byId('ask').addEventListener('submit', async (event) => {
  event.preventDefault();
  send.disabled = true;
  out.textContent = '';
  out.removeAttribute('data-finish');
  try {
    const stream = await engine.chat.completions.create({
      messages: [{ role: 'user', content: byId<HTMLInputElement>('prompt').value }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      // R1 thinks first: its reasoning arrives as reasoning_content, then the answer as content.
      out.textContent += (choice?.delta.reasoning_content ?? '') + (choice?.delta.content ?? '');
      if (choice?.finish_reason) out.dataset.finish = choice.finish_reason;
      if (chunk.usage) status.textContent = `${chunk.usage.completion_tokens} tokens.`;
    }
  } catch (error) {
    status.textContent = `${(error as { code?: string }).code ?? 'Error'}: ${(error as Error).message}`;
  } finally {
    send.disabled = false;
  }
});
