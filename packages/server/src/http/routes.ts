/** The endpoints this server answers; /health is open so probes need no key. */
import { type Call, chatCompletions, completions, health, listModels, type Reply } from './handlers.ts';
import type { Routed } from './router.ts';

export interface Route extends Routed {
  /** Needs the API key (when the server has one). */
  auth: boolean;
  handle(call: Call): Promise<Reply>;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/chat/completions', auth: true, handle: chatCompletions },
  { method: 'POST', path: '/v1/completions', auth: true, handle: completions },
  { method: 'GET', path: '/v1/models', auth: true, handle: listModels },
  { method: 'GET', path: '/health', auth: false, handle: health },
];
