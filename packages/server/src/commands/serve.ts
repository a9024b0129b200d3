/**
 * `webseek serve`: load a GGUF onto the device once, then answer the OpenAI
 * HTTP API (/v1/chat/completions, /v1/completions, /v1/models, /health) with
 * the same Engine the browser runs. stdout gets one line, `listening on URL`,
 * when requests can be sent; load progress and one line per request go to
 * stderr. SIGINT or SIGTERM: stop accepting, abort running generations,
 * free the model and the device, exit 0.
 */
import { basename } from 'node:path';
import { type LoadProgress, RuntimeError } from '@webseek/api';
import { Engine } from '@webseek/engine';
import { type CommandSpec, type Flags, required } from '../args.ts';
import { type Device, describeDevice, openDevice } from '../device.ts';
import { openModelFile } from '../files.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../http/body.ts';
import { errorReply } from '../http/errors.ts';
import { ApiServer, type RequestLog } from '../http/server.ts';
import type { Io } from '../io.ts';
import { specCommand } from './command.ts';

export const serveSpec = {
  name: 'serve',
  summary: 'load a model and answer the OpenAI HTTP API (chat, completions, models)',
  usage: ['--model FILE [--host 127.0.0.1] [--port 8080] [--context N] [--api-key KEY] [--cors ORIGIN]'],
  flags: {
    model: { type: 'string', value: 'FILE', help: 'GGUF model file' },
    host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1: this machine only)' },
    port: { type: 'int', value: 'PORT', min: 0, max: 65535, help: 'port to listen on (default 8080; 0: any free)' },
    context: {
      type: 'int',
      value: 'N',
      min: 1,
      help: "KV cache positions (default min(4096, the model's training context))",
    },
    'api-key': {
      type: 'string',
      value: 'KEY',
      help: 'require `Authorization: Bearer KEY` on /v1/* (default: $WEBSEEK_API_KEY, else none)',
    },
    cors: { type: 'string', value: 'ORIGIN', help: "allow browsers from ORIGIN ('*' for any) to call the API" },
    'model-id': { type: 'string', value: 'NAME', help: 'the model name clients send and see (default: file name)' },
    'max-body': {
      type: 'int',
      value: 'BYTES',
      min: 1,
      help: `largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES})`,
    },
  },
  notes: [
    'One model, one request at a time: concurrent requests queue and each gets its own answer.',
    'A client that disconnects ends its generation at the next token.',
  ],
} as const satisfies CommandSpec;

type ServeFlags = Flags<typeof serveSpec.flags>;

export const serveCommand = specCommand(serveSpec, serve);

export async function serve(flags: ServeFlags, io: Io): Promise<number> {
  const source = await openModelFile(required(serveSpec, flags, 'model'));
  const stop = stopSignals();
  let device: Device | undefined;
  let engine: Engine | undefined;
  try {
    device = await openDevice();
    engine = new Engine({
      context: device.ctx,
      onDeviceLost: (error) => io.err(`webseek serve: ${error.message}; requests now get 503\n`),
    });
    await load(engine, device, source, flags, io);
    if (stop.signal.aborted) {
      io.err('webseek serve: stopped before listening\n');
      return 0;
    }
    const api = new ApiServer({
      engine,
      ...optional('apiKey', flags['api-key'] ?? (process.env['WEBSEEK_API_KEY'] || undefined)),
      ...optional('cors', flags.cors),
      ...optional('maxBodyBytes', flags['max-body']),
      log: accessLog(io),
    });
    const url = await listen(api, flags.host ?? '127.0.0.1', flags.port ?? 8080);
    io.out(`listening on ${url}\n`);
    io.err(`webseek serve: ${await stop.received}: closing\n`);
    await api.close();
    return 0;
  } finally {
    stop.release();
    await engine?.dispose();
    device?.ctx.dispose();
    await source.close();
  }
}

async function load(
  engine: Engine,
  device: Device,
  source: Awaited<ReturnType<typeof openModelFile>>,
  flags: ServeFlags,
  io: Io,
): Promise<void> {
  const t0 = performance.now();
  const model = await engine.reload(source, {
    modelId: flags['model-id'] ?? basename(source.name).replace(/\.gguf$/i, ''),
    ...optional('contextLength', flags.context),
    ...optional('gpuMemoryBytes', device.gpuMemoryBytes),
    onProgress: progressPrinter(io),
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(2);
  const mb = (model.weightBytes / 1e6).toFixed(1);
  io.err(
    `webseek serve: '${model.id}' (${model.arch}, ${mb} MB of weights, context ${model.contextLength}) loaded in ${seconds} s on ${describeDevice(device.ctx)}\n`,
  );
}

async function listen(api: ApiServer, host: string, port: number): Promise<string> {
  try {
    return await api.listen(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code;
    throw new RuntimeError('INVALID_ARGUMENT', `--host ${host} --port ${port}: cannot listen (${why})`, {
      cause: error,
      details: { host, port, errno: code },
    });
  }
}

interface StopSignals {
  /** Aborted at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Which one came. */
  received: Promise<NodeJS.Signals>;
  release(): void;
}

/** The first SIGINT/SIGTERM asks for a graceful stop; the handlers go then, so a second one kills. */
function stopSignals(): StopSignals {
  const controller = new AbortController();
  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (name) => {
      release();
      controller.abort();
      resolve(name);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, received, release };
}

/** On a terminal one line redrawn in place; otherwise a line per phase and quarter. */
function progressPrinter(io: Io): (p: LoadProgress) => void {
  let last = '';
  return (p) => {
    if (io.errIsTty) {
      io.err(p.phase === 'ready' ? '\r\x1b[K' : `\r\x1b[K${p.text}`);
      return;
    }
    const step = `${p.phase} ${Math.floor(p.fraction * 4)}`;
    if (step === last || p.phase === 'ready') return;
    last = step;
    io.err(`webseek serve: ${p.text}\n`);
  };
}

/** One stderr line per request; server-side failures also get their cause (a stack for unexpected ones). */
function accessLog(io: Io): (entry: RequestLog) => void {
  return (e) => {
    const parts = [`${e.method} ${e.path} ${e.status}`];
    if (e.stream) parts.push('streamed');
    if (e.finishReason) parts.push(`finish ${e.finishReason}`);
    if (e.completionTokens !== null) parts.push(`${e.completionTokens} tokens`);
    if (e.clientGone) parts.push('client gone');
    parts.push(`${(e.ms / 1000).toFixed(2)} s`);
    io.err(`webseek serve: ${parts.join(', ')}\n`);
    if (e.error !== undefined && errorReply(e.error).status >= 500) io.err(`  ${describeError(e.error)}\n`);
  };
}

function describeError(error: unknown): string {
  if (error instanceof RuntimeError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** `{key: value}` when value is set, else `{}` (options objects leave unset fields out). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
