/** kiosk.config.json is read strictly: what an administrator gets wrong is named on the screen, not defaulted. */
import { isRuntimeError } from '@webseek/api';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../apps/kiosk/src/config.ts';

const AT = new URL('https://kiosk.local/lobby/kiosk.config.json');
const VALID = { modelUrl: 'models/m.gguf', systemPrompt: '', idleResetSeconds: 90, maxTokens: 512 };

function refusal(json: unknown): { field: unknown; message: string } {
  try {
    parseConfig(json, AT);
  } catch (error) {
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    return { field: (error as { details: { field?: unknown } }).details.field, message: (error as Error).message };
  }
  throw new Error('accepted');
}

describe('kiosk.config.json', () => {
  it('resolves modelUrl against the config file, keeps hf: paths, fills the optional fields', () => {
    const config = parseConfig({ ...VALID, _about: 'comments are ignored' }, AT);
    expect(config).toEqual({
      ...VALID,
      modelUrl: 'https://kiosk.local/lobby/models/m.gguf',
      title: 'Ask me',
      temperature: undefined,
    });
    expect(parseConfig({ ...VALID, modelUrl: 'hf:o/r/f.gguf', temperature: 0 }, AT)).toMatchObject({
      modelUrl: 'hf:o/r/f.gguf',
      temperature: 0,
    });
  });

  it('names the field that is missing, misspelt or out of range', () => {
    expect(refusal([])).toMatchObject({ message: expect.stringContaining('must be a JSON object') });
    expect(refusal({ ...VALID, maxToken: 5 })).toMatchObject({
      field: 'maxToken',
      message: expect.stringContaining('unknown field "maxToken"'),
    });
    const { maxTokens: _, ...noMax } = VALID;
    expect(refusal(noMax)).toMatchObject({ field: 'maxTokens', message: expect.stringContaining('needs "maxTokens"') });
    expect(refusal({ ...VALID, idleResetSeconds: 0 })).toMatchObject({ field: 'idleResetSeconds' });
    expect(refusal({ ...VALID, idleResetSeconds: '90' })).toMatchObject({ field: 'idleResetSeconds' });
    expect(refusal({ ...VALID, modelUrl: ' ' })).toMatchObject({ field: 'modelUrl' });
    expect(refusal({ ...VALID, temperature: -1 })).toMatchObject({ field: 'temperature' });
  });
});
