// The OpenAI-compatible HTTP server over an engine (`webseek serve` runs it).
export { checkApiKey, corsHeaders } from './access.ts';
export { checkContentType, DEFAULT_MAX_BODY_BYTES, readBody, readJsonObject } from './body.ts';
export { type ErrorReply, errorReply, HttpError, type OpenAiError, statusOf } from './errors.ts';
export type { Call, Outcome, Reply, ServedEngine } from './handlers.ts';
export { lineColumn, parseJsonText, syntaxErrorOffset } from './json.ts';
export { ROUTES, type Route } from './routes.ts';
export { ApiServer, type ApiServerOptions, type RequestLog } from './server.ts';
