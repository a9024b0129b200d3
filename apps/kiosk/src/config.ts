/**
 * kiosk.config.json: what an administrator sets without rebuilding the app.
 * Read strictly: a misspelt field is an error on the screen, not a default
 * silently used. Keys starting with '_' are comments.
 */
import { RuntimeError } from '@webseek/api';

export const CONFIG_FILE = 'kiosk.config.json';

export interface KioskConfig {
  /** The .gguf to preload: absolute, resolved against the config file's URL, or hf:owner/repo/file.gguf. */
  modelUrl: string;
  systemPrompt: string;
  /** The conversation is cleared after this many seconds without input. */
  idleResetSeconds: number;
  maxTokens: number;
  title: string;
  temperature: number | undefined;
}

const REQUIRED = ['modelUrl', 'systemPrompt', 'idleResetSeconds', 'maxTokens'] as const;
const OPTIONAL = ['title', 'temperature'] as const;

export async function loadConfig(url = new URL(CONFIG_FILE, document.baseURI)): Promise<KioskConfig> {
  let response: Response;
  try {
    // 'no-cache': revalidate, so an edited file counts at the next start (offline, the service worker answers).
    response = await fetch(url, { cache: 'no-cache' });
  } catch (cause) {
    throw new RuntimeError('NETWORK', `${CONFIG_FILE}: could not be fetched from ${url.href}`, { cause });
  }
  if (!response.ok) {
    throw new RuntimeError('NETWORK', `${CONFIG_FILE}: HTTP ${response.status} from ${url.href}`, {
      details: { status: response.status },
    });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw invalid(`is not JSON (${(cause as Error).message})`, undefined, cause);
  }
  return parseConfig(json, url);
}

export function parseConfig(json: unknown, url: URL): KioskConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('must be a JSON object');
  const raw = json as Record<string, unknown>;
  const known: readonly string[] = [...REQUIRED, ...OPTIONAL];
  for (const key of Object.keys(raw)) {
    if (!key.startsWith('_') && !known.includes(key))
      throw invalid(`has an unknown field "${key}" (known: ${known.join(', ')})`, key);
  }
  for (const key of REQUIRED) if (raw[key] === undefined) throw invalid(`needs "${key}"`, key);
  return {
    modelUrl: modelUrl(text(raw, 'modelUrl'), url),
    systemPrompt: text(raw, 'systemPrompt', { allowEmpty: true }),
    idleResetSeconds: positive(raw, 'idleResetSeconds'),
    maxTokens: Math.floor(positive(raw, 'maxTokens')),
    title: raw.title === undefined ? 'Ask me' : text(raw, 'title'),
    temperature: raw.temperature === undefined ? undefined : nonNegative(raw, 'temperature'),
  };
}

function modelUrl(value: string, base: URL): string {
  if (value.startsWith('hf:')) return value;
  try {
    return new URL(value, base).href;
  } catch (cause) {
    throw invalid(`"modelUrl" is not a URL or hf: path: ${JSON.stringify(value)}`, 'modelUrl', cause);
  }
}

function text(raw: Record<string, unknown>, key: string, { allowEmpty = false } = {}): string {
  const value = raw[key];
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === ''))
    throw invalid(`"${key}" must be a${allowEmpty ? '' : ' non-empty'} string, got ${JSON.stringify(value)}`, key);
  return value;
}

function positive(raw: Record<string, unknown>, key: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalid(`"${key}" must be a number > 0, got ${JSON.stringify(value)}`, key);
  return value;
}

function nonNegative(raw: Record<string, unknown>, key: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid(`"${key}" must be a number >= 0, got ${JSON.stringify(value)}`, key);
  return value;
}

function invalid(what: string, field?: string, cause?: unknown): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `${CONFIG_FILE} ${what}`, {
    ...(cause ? { cause } : {}),
    details: { file: CONFIG_FILE, ...(field ? { field } : {}) },
  });
}
