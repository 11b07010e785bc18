import { describe, expect, it } from 'vitest';
import { dispatchApiCall } from './dispatch';
import { ApiError } from './errors';
import { API_METHODS } from './methods';
import { apiInputSchemas } from './schemas';
import type { ApiService } from './types';

/** A service whose every verb records its input, or throws what it is told to. */
function recordingService(calls: [string, unknown][], fail?: Error): ApiService {
  return Object.fromEntries(
    API_METHODS.map((m) => [
      m,
      async (input: unknown) => {
        if (fail) throw fail;
        calls.push([m, input]);
        return { echoed: m };
      },
    ]),
  ) as unknown as ApiService;
}

describe('dispatchApiCall', () => {
  it('has a schema for every verb', () => {
    expect(Object.keys(apiInputSchemas).sort()).toEqual([...API_METHODS].sort());
  });

  it('passes a valid input through to the service', async () => {
    const calls: [string, unknown][] = [];
    const result = await dispatchApiCall(recordingService(calls), 'readFile', {
      workspaceId: 'abc',
      path: 'a.pkr.hcl',
    });
    expect(result).toEqual({ ok: true, value: { echoed: 'readFile' } });
    expect(calls).toEqual([['readFile', { workspaceId: 'abc', path: 'a.pkr.hcl' }]]);
  });

  it('refuses unknown verbs, including names inherited from Object', async () => {
    const calls: [string, unknown][] = [];
    for (const name of ['deleteEverything', 'constructor', '__proto__', 42]) {
      const result = await dispatchApiCall(recordingService(calls), name, {});
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('unknown-method');
    }
    expect(calls).toEqual([]);
  });

  it('refuses paths that climb out of the workspace, absolute paths and extra keys', async () => {
    const calls: [string, unknown][] = [];
    const bad = [
      ['readFile', { workspaceId: 'abc', path: '../../etc/passwd' }],
      ['readFile', { workspaceId: 'abc', path: '/etc/passwd' }],
      ['readFile', { workspaceId: 'abc', path: 'a\0b' }],
      ['readFile', { workspaceId: 'abc', path: 'a', extra: 1 }],
      ['openWorkspace', { path: 'relative/path' }],
      ['saveFile', { workspaceId: 'abc', path: 'a', text: 5 }],
      ['createFromGallery', { templateId: '../x', destination: '/tmp/x' }],
      ['closeWorkspace', { workspaceId: 'a/b' }],
    ] as const;
    for (const [method, input] of bad) {
      const result = await dispatchApiCall(recordingService(calls), method, input);
      expect(result.ok, `${method} ${JSON.stringify(input)}`).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-input');
        expect(result.error.message).toContain(method);
      }
    }
    expect(calls).toEqual([]);
  });

  it('reports ApiErrors with their code and other errors as internal', async () => {
    const conflict = await dispatchApiCall(
      recordingService([], new ApiError('conflict', 'x changed')),
      'appInfo',
      {},
    );
    expect(conflict).toEqual({ ok: false, error: { code: 'conflict', message: 'x changed' } });
    const boom = await dispatchApiCall(recordingService([], new Error('boom')), 'appInfo', {});
    expect(boom).toEqual({ ok: false, error: { code: 'internal', message: 'appInfo: boom' } });
  });
});
