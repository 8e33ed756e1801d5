import { describe, expect, it } from 'vitest';
import { describeIpcError } from './ipc.ts';

describe('describeIpcError', () => {
  it('passes backend string errors through', () => {
    expect(describeIpcError('database is locked')).toBe('database is locked');
  });

  it('reads Error and { message } shapes', () => {
    expect(describeIpcError(new Error('boom'))).toBe('boom');
    expect(describeIpcError({ code: 'auth', message: 'token expired' })).toBe('token expired');
  });

  it('falls back to a generic sentence', () => {
    expect(describeIpcError(undefined)).toBe('An unknown error occurred.');
    expect(describeIpcError({})).toBe('An unknown error occurred.');
  });
});
