import { describe, expect, it } from 'vitest';
import { IpcFailure, describeIpcError, errorField, unwrap } from './errors.ts';

describe('ipc errors', () => {
  it('unwrap returns data and throws IpcFailure with code and field', async () => {
    await expect(unwrap(Promise.resolve({ status: 'ok' as const, data: 3 }))).resolves.toBe(3);
    const failing = unwrap(
      Promise.resolve({
        status: 'error' as const,
        error: { code: 'wrong_key' as const, message: 'That passphrase is wrong.', field: 'passphrase' },
      }),
    );
    await expect(failing).rejects.toBeInstanceOf(IpcFailure);
    const err = await failing.catch((e: unknown) => e);
    expect(describeIpcError(err)).toBe('That passphrase is wrong.');
    expect(errorField(err)).toBe('passphrase');
  });

  it('reads strings, Errors and { message } shapes, with a generic fallback', () => {
    expect(describeIpcError('database is locked')).toBe('database is locked');
    expect(describeIpcError(new Error('boom'))).toBe('boom');
    expect(describeIpcError({ code: 'auth', message: 'token expired' })).toBe('token expired');
    expect(describeIpcError(undefined)).toBe('An unknown error occurred.');
  });
});
