import { QueryClient } from '@tanstack/react-query';
import { mockIPC } from '@tauri-apps/api/mocks';
import { render } from '@testing-library/react';
import { App } from '../app/App.tsx';
import type {
  AlertDto,
  AppStateDto,
  ConnectorDto,
  IpcError,
  StatusDto,
} from '../lib/ipc/bindings.ts';
import type { Locale } from '../lib/i18n.tsx';

export const lockedNoStore: AppStateDto = {
  storeExists: false,
  unlocked: false,
  keySource: null,
  keychainAvailable: false,
  dataDir: '/tmp/maestro',
  demoRunning: false,
  company: null,
};

export const unlocked: AppStateDto = {
  ...lockedNoStore,
  storeExists: true,
  unlocked: true,
  keySource: 'passphrase',
  company: 'Bluebird Bakery',
};

export const emptyStatus: StatusDto = {
  company: 'Bluebird Bakery',
  dataDir: '/tmp/maestro',
  keySource: 'passphrase',
  cipherVersion: '4.6.1',
  connections: [],
  records: [],
  auditEntries: 3,
};

export const populatedStatus: StatusDto = {
  ...emptyStatus,
  connections: [
    {
      id: 'c-bamboo',
      provider: 'bamboohr',
      displayName: 'BambooHR',
      status: 'needs_reconnect',
      needsAttention: true,
      lastSync: {
        startedAt: '2025-03-01T09:00:00Z',
        finishedAt: '2025-03-01T09:00:05Z',
        status: 'failed',
        error: 'key revoked',
      },
      records: [{ kind: 'employee', count: 25 }],
    },
    {
      id: 'c-harvest',
      provider: 'harvest',
      displayName: 'Harvest',
      status: 'active',
      needsAttention: false,
      lastSync: {
        startedAt: '2025-03-01T09:01:00Z',
        finishedAt: '2025-03-01T09:01:30Z',
        status: 'succeeded',
        error: null,
      },
      records: [{ kind: 'time_entry', count: 1234 }],
    },
  ],
  records: [
    { kind: 'employee', count: 25 },
    { kind: 'time_entry', count: 1234 },
  ],
};

export const reconnectAlert: AlertDto = {
  id: 'a1',
  connectionId: 'c-bamboo',
  provider: 'bamboohr',
  severity: 'critical',
  title: 'BambooHR needs to be reconnected',
  detail: 'BambooHR no longer accepts the saved sign-in.',
  action: 'reconnect',
  raisedAt: '2025-03-01T09:00:05Z',
};

export const connectorList: ConnectorDto[] = [
  {
    id: 'bamboohr',
    name: 'BambooHR',
    category: 'hris',
    summary: 'People, jobs and time off from BambooHR.',
    auth: 'api_key',
    fields: [
      {
        key: 'subdomain',
        label: 'Company domain',
        help: 'The part before .bamboohr.com.',
        kind: 'text',
        required: true,
        example: 'bluebird',
      },
      {
        key: 'api_key',
        label: 'API key',
        help: 'Settings → API keys.',
        kind: 'secret',
        required: true,
        example: null,
      },
    ],
    reads: ['employee'],
    docsUrl: 'https://documentation.bamboohr.com',
  },
  {
    id: 'gusto',
    name: 'Gusto',
    category: 'payroll',
    summary: 'Payroll from Gusto.',
    auth: 'oauth2',
    fields: [],
    reads: ['employee', 'payroll_run'],
    docsUrl: 'https://docs.gusto.com',
  },
];

export type Handler = (args: Record<string, unknown>) => unknown;

/** The IPC error shape commands reject with. */
export function ipcError(code: IpcError['code'], message: string, field: string | null = null) {
  return Promise.reject({ code, message, field } satisfies IpcError);
}

/** Mocks commands by name; records calls; unknown commands fail loudly. */
export function mockCommands(handlers: Record<string, Handler>) {
  const calls: Array<{ cmd: string; args: Record<string, unknown> }> = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    if (cmd.startsWith('plugin:event|')) return 0;
    const handler = handlers[cmd];
    if (!handler) return Promise.reject(new Error(`unexpected command ${cmd}`));
    return handler(args);
  });
  return calls;
}

export function renderApp(locale: Locale = 'en') {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  return render(<App client={client} locale={locale} />);
}
