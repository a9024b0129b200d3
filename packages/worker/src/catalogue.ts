/**
 * Model ids → where the GGUF is and how to load it: the built-in catalogue
 * (models.json, data not code) and an app's own entries (web-llm's
 * `appConfig.model_list`, extended with GGUF fields). An app's entry wins
 * over a built-in one with the same id.
 */
import { RuntimeError } from '@webseek/api';
import type { EngineSource, GenerationDefaults, ReloadOptions } from '@webseek/engine';
import type { HubFile } from '@webseek/loader';
import catalogue from './models.json' with { type: 'json' };

/** One entry of models.json. */
export interface CatalogueEntry {
  id: string;
  hfRepo: string;
  file: string;
  revision?: string;
  sha256?: string;
  bytes?: number;
  contextLength?: number;
  defaults?: GenerationDefaults;
}

/** web-llm's ChatOptions fields this engine uses (the rest are ignored). */
export interface ChatOptionsLike {
  context_window_size?: number;
  temperature?: number;
  top_p?: number;
}

/**
 * web-llm's ModelRecord, read for GGUF: `model` is a .gguf URL, or a hub repo
 * URL (https://huggingface.co/<owner>/<name>) with `file`; or give `hfRepo` +
 * `file`, or `source` (bytes, a Blob, `{path}` in Node, …) directly.
 */
export interface AppModelRecord {
  model_id: string;
  model?: string;
  /** web-llm's compiled model library; unused (webseek runs GGUF on its own kernels). */
  model_lib?: string;
  hfRepo?: string;
  file?: string;
  revision?: string;
  sha256?: string;
  bytes?: number;
  source?: EngineSource;
  overrides?: ChatOptionsLike;
}

export interface AppConfigLike {
  model_list: AppModelRecord[];
}

export const MODEL_CATALOGUE: readonly CatalogueEntry[] = catalogue.models;

/** A resolved id: the source to load and the reload options it implies. */
export interface ResolvedModel {
  id: string;
  source: EngineSource;
  options: ReloadOptions;
}

export function resolveModel(
  modelId: string,
  appConfig?: AppConfigLike,
  chatOpts?: ChatOptionsLike,
  hubUrl = 'https://huggingface.co',
): ResolvedModel {
  const record = appConfig?.model_list?.find((r) => r.model_id === modelId);
  const entry = record ? fromRecord(record, hubUrl) : MODEL_CATALOGUE.find((e) => e.id === modelId);
  if (!entry) {
    const known = [...(appConfig?.model_list ?? []).map((r) => r.model_id), ...MODEL_CATALOGUE.map((e) => e.id)];
    throw new RuntimeError('INVALID_ARGUMENT', `unknown model id '${modelId}'; known: ${known.join(', ')}`, {
      details: { modelId, known },
    });
  }
  const overrides = { ...record?.overrides, ...chatOpts };
  const defaults: GenerationDefaults = { ...entry.defaults };
  if (overrides.temperature !== undefined) defaults.temperature = overrides.temperature;
  if (overrides.top_p !== undefined) defaults.top_p = overrides.top_p;
  const contextLength = overrides.context_window_size ?? entry.contextLength;
  return {
    id: modelId,
    source: 'source' in entry ? entry.source : hubFile(entry),
    options: {
      modelId,
      defaults,
      ...(contextLength !== undefined ? { contextLength } : {}),
      ...(entry.sha256 !== undefined ? { sha256: entry.sha256 } : {}),
      ...(entry.bytes !== undefined ? { bytes: entry.bytes } : {}),
    },
  };
}

type Entry = (CatalogueEntry | (Omit<CatalogueEntry, 'hfRepo' | 'file'> & { source: EngineSource })) & {
  defaults?: GenerationDefaults;
};

function fromRecord(r: AppModelRecord, hubUrl: string): Entry {
  const common = {
    id: r.model_id,
    ...(r.sha256 !== undefined ? { sha256: r.sha256 } : {}),
    ...(r.bytes !== undefined ? { bytes: r.bytes } : {}),
  };
  if (r.source !== undefined) return { ...common, source: r.source };
  if (r.hfRepo && r.file) return { ...common, hfRepo: r.hfRepo, file: r.file, ...revision(r) };
  const model = r.model ?? '';
  if (/\.gguf([?#].*)?$/i.test(model)) return { ...common, source: model };
  const repo = model.startsWith(`${hubUrl}/`) ? model.slice(hubUrl.length + 1).replace(/\/+$/, '') : '';
  if (r.file && /^[^/]+\/[^/]+$/.test(repo)) return { ...common, hfRepo: repo, file: r.file, ...revision(r) };
  throw new RuntimeError(
    'INVALID_ARGUMENT',
    `appConfig model '${r.model_id}': expected a .gguf URL in 'model', a hub repo URL with 'file', 'hfRepo' + 'file', or 'source' (webseek runs GGUF, not MLC libraries)`,
    { details: { modelId: r.model_id, model } },
  );
}

function revision(r: AppModelRecord): { revision?: string } {
  return r.revision ? { revision: r.revision } : {};
}

function hubFile(e: CatalogueEntry): HubFile {
  return { hfRepo: e.hfRepo, file: e.file, ...(e.revision ? { revision: e.revision } : {}) };
}
