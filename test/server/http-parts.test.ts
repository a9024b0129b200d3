/**
 * The HTTP layer's pure parts, without a device: where invalid JSON fails
 * (checked against V8's own positions where V8 reports one), the RuntimeError
 * code → status table, Content-Type rules, routing.
 */
import { ERROR_CODES, RuntimeError } from '@webseek/api';
import {
  checkContentType,
  errorReply,
  HttpError,
  parseJsonText,
  ROUTES,
  statusOf,
  syntaxErrorOffset,
} from '@webseek/server';
import { describe, expect, it } from 'vitest';

describe('JSON syntax errors', () => {
  const INVALID = [
    '{"a":}',
    '{"a":1',
    '{"a" 1}',
    '{a:1}',
    '[1,2,]',
    '[1 2]',
    '{"a":1,}',
    '{"a":01}',
    '{"a":-}',
    '{"a":1.}',
    '{"a":"\\x"}',
    '{"a":"\\u12g4"}',
    '{"a":"line\nbreak"}',
    '{"a":tru}',
    '{"a":1} x',
    '"unterminated',
    '{"messages": [\n  {"role": }]}',
    '',
    '   ',
  ];

  it('finds the offset V8 reports, or the token it names', () => {
    for (const text of INVALID) {
      const at = syntaxErrorOffset(text);
      expect(at, text).toBeGreaterThanOrEqual(0);
      expect(at, text).toBeLessThanOrEqual(text.length);
      const message = captureParseError(text);
      const v8 = /at position (\d+)/.exec(message)?.[1];
      if (v8 !== undefined) expect(at, `${text}: ${message}`).toBe(Number(v8));
      if (/Unexpected end of JSON input/.test(message)) expect(at, text).toBe(text.length);
      // V8 names the token instead of its position: the offset must be at that token.
      const token = /^Unexpected token '(.)'/.exec(message)?.[1];
      if (token !== undefined) expect(text[at], `${text}: ${message}`).toBe(token);
    }
  });

  it('accepts everything JSON.parse accepts', () => {
    const valid = [
      '{}',
      '[]',
      ' {"a": [1, -2.5e+3, true, false, null, "x\\n\\u00e9"], "b": {"c": ""}} ',
      '0',
      '"\\/"',
      JSON.stringify({ messages: [{ role: 'user', content: 'héllo "quoted" \\ \t 😀' }] }),
    ];
    for (const text of valid) expect(syntaxErrorOffset(text), text).toBe(-1);
  });

  it('says line and column, and V8’s reason without the input echoed', () => {
    const error = (text: string) => {
      try {
        parseJsonText(text);
      } catch (e) {
        return e as HttpError;
      }
      throw new Error(`${text} parsed`);
    };
    const e = error('{\n  "messages": [\n    {"role": "user", "content": }\n  ]\n}');
    expect(e).toBeInstanceOf(HttpError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_json');
    expect(e.message).toBe("request body is not valid JSON: Unexpected token '}' at line 3, column 33");
    expect(error('{"a":1').message).toMatch(/at line 1, column 7$/);
    expect(error('').message).toMatch(/the body is empty/);
  });
});

describe('errors at the HTTP edge', () => {
  it('every RuntimeError code has a status: the client’s faults 4xx, the rest 5xx', () => {
    const clientFaults = new Set(['INVALID_ARGUMENT', 'CONTEXT_OVERFLOW', 'TEMPLATE']);
    for (const code of ERROR_CODES) {
      const status = statusOf(code);
      if (clientFaults.has(code)) expect(status, code).toBe(400);
      else expect(status, code).toBeGreaterThanOrEqual(500);
    }
    expect(statusOf('MODEL_NOT_LOADED')).toBe(503);
    expect(statusOf('DEVICE_LOST')).toBe(503);
  });

  it('keeps a RuntimeError’s message and names its field as param', () => {
    const reply = errorReply(
      new RuntimeError('DEVICE_LOST', 'the GPU device was lost; reload() the model on a new one', {
        details: { reason: 'destroyed' },
      }),
    );
    expect(reply.status).toBe(503);
    expect(reply.body.error).toEqual({
      message: 'the GPU device was lost; reload() the model on a new one',
      type: 'server_error',
      param: null,
      code: 'device_lost',
    });
    const field = errorReply(new RuntimeError('INVALID_ARGUMENT', 'top_k …', { details: { field: 'top_k' } }));
    expect(field.body.error).toMatchObject({ param: 'top_k', code: 'invalid_argument', type: 'invalid_request_error' });
  });

  it('hides anything else behind a plain 500', () => {
    const reply = errorReply(new Error('ENOENT /home/me/secret'));
    expect(reply.status).toBe(500);
    expect(reply.body.error.message).not.toMatch(/secret/);
    expect(errorReply('a string').status).toBe(500);
  });
});

describe('Content-Type', () => {
  it('takes application/json (any case, UTF-8 charset) and +json types; refuses the rest with 415', () => {
    for (const ok of ['application/json', 'Application/JSON; charset=UTF-8', 'application/vnd.api+json']) {
      expect(() => checkContentType(ok), ok).not.toThrow();
    }
    for (const bad of [undefined, 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data']) {
      expect(() => checkContentType(bad), String(bad)).toThrow(expect.objectContaining({ status: 415 }));
    }
  });
});

describe('routes', () => {
  it('the four endpoints, /health open, the rest behind the key', () => {
    expect(ROUTES.map((r) => `${r.method} ${r.path} ${r.auth ? 'key' : 'open'}`)).toEqual([
      'POST /v1/chat/completions key',
      'POST /v1/completions key',
      'GET /v1/models key',
      'GET /health open',
    ]);
  });
});

function captureParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} parsed`);
}
