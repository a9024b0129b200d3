// demos/webllm-compat.ts — code written against web-llm's API and types, running on webseek by changing one import.
import type { AppConfig, ChatCompletionMessageParam, InitProgressReport } from '@mlc-ai/web-llm';
import { CreateWebWorkerMLCEngine, hasModelInCache } from '@webseek/worker/webllm'; // was: from '@mlc-ai/web-llm'

// web-llm names models by id; webseek resolves ids through its catalogue (GGUF files on the hub),
// or through an appConfig whose `model` is a .gguf URL (`model_lib` is unused: webseek has its own kernels).
const url = new URLSearchParams(location.search).get('model');
const modelId = url ? 'my-model' : 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M';
const appConfig: AppConfig | undefined = url
  ? { model_list: [{ model_id: modelId, model: new URL(url, location.href).href, model_lib: '' }] }
  : undefined;

const status = document.getElementById('status')!;
const out = document.getElementById('out')!;
const initProgressCallback = (report: InitProgressReport) => {
  status.textContent = `${(report.progress * 100).toFixed(0)}% · ${report.text}`;
};

const engine = await CreateWebWorkerMLCEngine(
  new Worker(new URL('./webllm-compat.worker.ts', import.meta.url), { type: 'module' }),
  modelId,
  { appConfig, initProgressCallback },
);
status.textContent = `${modelId} loaded; cached for next time: ${await hasModelInCache(modelId, appConfig)}.`;

const messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Name three primary colours.' },
];
const chunks = await engine.chat.completions.create({
  messages,
  stream: true,
  max_tokens: 64,
  stream_options: { include_usage: true },
});
for await (const chunk of chunks) {
  const delta = chunk.choices[0]?.delta;
  // webseek sends R1's reasoning as reasoning_content (web-llm leaves <think>… inside content).
  const reasoning = (delta as { reasoning_content?: string } | undefined)?.reasoning_content;
  out.textContent += (reasoning ?? '') + (delta?.content ?? '');
  if (chunk.usage) out.dataset.tokens = String(chunk.usage.completion_tokens);
}
document.getElementById('stats')!.textContent = await engine.runtimeStatsText();
out.dataset.done = '';
