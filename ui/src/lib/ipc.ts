/**
 * The one place the UI talks to the Rust backend.
 *
 * Hand-written for now; a later issue replaces the body of this module with
 * bindings generated from the Rust commands (tauri-specta), keeping the exports.
 */
import { invoke } from '@tauri-apps/api/core';

/** What the backend reports about itself (`app_info` command). */
export interface AppInfo {
  /** Product name, e.g. "Integration Maestro". */
  name: string;
  /** Semantic version of the desktop app, e.g. "0.1.0". */
  version: string;
}

/** Asks the backend for its name and version. */
export function getAppInfo(): Promise<AppInfo> {
  return invoke<AppInfo>('app_info');
}

/**
 * Turns whatever an IPC call rejected with into one readable sentence.
 * Tauri rejects with the command's serialised error: usually a string,
 * sometimes an object with a `message`, or an `Error` from the JS side.
 */
export function describeIpcError(error: unknown): string {
  if (typeof error === 'string' && error.trim() !== '') {
    return error;
  }
  if (error instanceof Error && error.message !== '') {
    return error.message;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error as { message: unknown };
    if (typeof message === 'string' && message !== '') {
      return message;
    }
  }
  return 'An unknown error occurred.';
}
