/**
 * Errors from the backend: commands reject with `IpcError { code, message, field }`;
 * `unwrap` turns the generated `{status, data | error}` results into values or a thrown
 * `IpcFailure` that TanStack Query can hold.
 */
import type { IpcError, IpcErrorCode } from './bindings.ts';

/** A failed command, thrown so queries and mutations see it as an error. */
export class IpcFailure extends Error {
  readonly code: IpcErrorCode;
  readonly field: string | null;

  constructor(error: IpcError) {
    super(error.message);
    this.name = 'IpcFailure';
    this.code = error.code;
    this.field = error.field;
  }
}

/** The command's data, or throws its error. */
export async function unwrap<T>(
  result: Promise<{ status: 'ok'; data: T } | { status: 'error'; error: IpcError }>,
): Promise<T> {
  const r = await result;
  if (r.status === 'ok') return r.data;
  throw new IpcFailure(r.error);
}

/**
 * Turns whatever an IPC call rejected with into one readable sentence: an `IpcFailure`,
 * an `Error`, a plain string or an object with a `message`.
 */
export function describeIpcError(error: unknown): string {
  if (typeof error === 'string' && error.trim() !== '') return error;
  if (error instanceof Error && error.message !== '') return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error as { message: unknown };
    if (typeof message === 'string' && message !== '') return message;
  }
  return 'An unknown error occurred.';
}

/** The form field an error is about, if any. */
export function errorField(error: unknown): string | null {
  return error instanceof IpcFailure ? error.field : null;
}
