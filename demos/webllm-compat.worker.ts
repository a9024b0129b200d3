// demos/webllm-compat.worker.ts — web-llm's worker script, word for word, with webseek's import.
import { WebWorkerMLCEngineHandler } from '@webseek/worker/webllm'; // was: from '@mlc-ai/web-llm'

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (msg: MessageEvent) => {
  handler.onmessage(msg);
};
