import { QueryClient } from '@tanstack/react-query';
import { mockIPC } from '@tauri-apps/api/mocks';
import { render } from '@testing-library/react';
import { App } from '../app/App.tsx';
import type {
  AlertDto,
  ApiKeyDto,
  GatewayStatusDto,
  AppStateDto,
  ConflictDto,
  ConnectionScopeDto,
  ConnectorDto,
  HistoryEntryDto,
  IpcError,
  MappingPreviewDto,
  PendingWriteDto,
  PersonDto,
  RoutePreviewDto,
  SchedulesDto,
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
  kind: 'needs_reconnect',
  action: 'reconnect',
  recordId: null,
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
        default: null,
        multiline: false,
      },
      {
        key: 'api_key',
        label: 'API key',
        help: 'Settings → API keys.',
        kind: 'secret',
        required: true,
        example: null,
        default: null,
        multiline: false,
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

export const gatewayOff: GatewayStatusDto = {
  enabled: false,
  running: false,
  url: null,
  tlsFingerprint: null,
  bind: '127.0.0.1:7878',
  defaultBind: '127.0.0.1:7878',
  tls: false,
  allowlist: [],
  lastError: null,
  entities: ['employees', 'time_entries', 'pay_statements'],
};

export const gatewayOn: GatewayStatusDto = {
  ...gatewayOff,
  enabled: true,
  running: true,
  url: 'http://127.0.0.1:7878',
};

export const payrollKey: ApiKeyDto = {
  id: 'key-1',
  name: 'Payroll export',
  prefix: 'mk_live_ab12',
  scopes: ['employees:read', 'events:read'],
  ratePerMinute: 600,
  createdAt: '2025-03-01T09:00:00Z',
  lastUsedAt: '2025-03-02T10:30:00Z',
  revokedAt: null,
};

export type Handler = (args: Record<string, unknown>) => unknown;

/** Reads every unlocked screen makes, answered "nothing yet" unless a test says otherwise. */
const quietDefaults: Record<string, Handler> = {
  daily_activity: () => [],
  review_queue: () => ({ conflicts: [], pendingWrites: [] }),
  gateway_status: () => gatewayOff,
  api_keys: () => [],
  person_benefits: () => ({ enrollments: [], payroll: null }),
  route_choices: () => ({ routes: [], parts: [], approvePayChanges: true, paySchedule: null }),
  choose_pem_file: () => null,
  compliance_calendar: () => ({
    items: [],
    settings: { companyState: null, enrolmentOpens: null, enrolmentCloses: null, posters: [], depositSchedule: null, providerFilesTaxes: null },
  }),
  screen_ready: () => null,
  save_diagnostics: () => null,
  export_person_data: () => null,
  retention_policy: () => [],
  erased_still_held: () => [],
  export_compliance_documents: () => null,
  update_status: () => ({
    currentVersion: '0.1.0',
    prefs: { check: true, everyHours: 24 },
    available: null,
    lastChecked: null,
    lastError: null,
    installing: false,
    syncsRunning: 0,
    installedAs: 'unknown',
  }),
};

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
    const handler = handlers[cmd] ?? quietDefaults[cmd];
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

export const person: PersonDto = {
  identityId: 'id-ana',
  name: 'Ana Ortiz',
  workEmail: 'ana@bluebird.test',
  needsReview: true,
  fields: [
    {
      field: 'job_title',
      label: 'Job title',
      value: 'Head Baker',
      money: null,
      source: 'bamboohr',
      values: [
        { value: 'Head Baker', money: null, provider: 'bamboohr', connection: 'BambooHR' },
        { value: 'Baker', money: null, provider: 'gusto', connection: 'Gusto' },
      ],
      agree: false,
    },
    {
      field: 'work_email',
      label: 'Work email',
      value: 'ana@bluebird.test',
      money: null,
      source: 'bamboohr',
      values: [
        { value: 'ana@bluebird.test', money: null, provider: 'bamboohr', connection: 'BambooHR' },
        { value: 'ana@bluebird.test', money: null, provider: 'gusto', connection: 'Gusto' },
      ],
      agree: true,
    },
    {
      field: 'pay_rate',
      label: 'Pay rate',
      value: '22.50 USD per hour',
      money: { amount: '22.50', currency: 'USD', period: 'hour' },
      source: 'gusto',
      values: [
        {
          value: '22.50 USD per hour',
          money: { amount: '22.50', currency: 'USD', period: 'hour' },
          provider: 'gusto',
          connection: 'Gusto',
        },
        {
          value: '1234.5 USD per week',
          money: { amount: '1234.5', currency: 'USD', period: 'week' },
          provider: 'bamboohr',
          connection: 'BambooHR',
        },
      ],
      agree: false,
    },
  ],
  records: [
    {
      recordId: 'r-ana-bamboo',
      kind: 'employee',
      provider: 'bamboohr',
      connection: 'BambooHR',
      remoteId: '40',
      method: 'work_email',
      confidence: '0.99',
      status: 'auto',
    },
    {
      recordId: 'r-ana-gusto',
      kind: 'employee',
      provider: 'gusto',
      connection: 'Gusto',
      remoteId: 'g-7',
      method: 'name_and_birth_date',
      confidence: '0.7',
      status: 'suggested',
    },
  ],
  checks: [
    {
      recordId: 'r-ana-check',
      provider: 'checkr',
      remoteId: '4722c07dd9a10c3985ae432a',
      package: 'tasker_standard',
      status: 'pending',
      result: null,
      adjudication: null,
      orderedAt: '2026-11-24T16:00:00+00:00',
      completedAt: null,
      reportUrl: 'https://dashboard.checkr.com/candidates/e44aa283528e6fde7d542194',
    },
    {
      recordId: 'r-ana-old-check',
      provider: 'goodhire',
      remoteId: '7f2c',
      package: 'RPT_BASIC',
      status: 'completed',
      result: 'consider',
      adjudication: null,
      orderedAt: '2024-03-01T15:00:00+00:00',
      completedAt: '2024-03-03T19:00:00+00:00',
      reportUrl: null,
    },
  ],
};

export const otherPerson: PersonDto = {
  ...person,
  identityId: 'id-bo',
  name: 'Bo Chen',
  workEmail: 'bo@bluebird.test',
  needsReview: false,
  fields: [],
  records: [{ ...person.records[0]!, recordId: 'r-bo', remoteId: '41', status: 'confirmed' }],
  checks: [],
};

export const history: HistoryEntryDto[] = [
  {
    at: '2025-03-02T10:00:00Z',
    provider: 'bamboohr',
    connection: 'BambooHR',
    kind: 'employment',
    recordId: 'r-job',
    version: 2,
    change: 'updated',
    changes: [
      { field: 'job_title', before: 'Baker', after: 'Head Baker', sensitive: false },
      { field: 'ssn', before: null, after: null, sensitive: true },
    ],
  },
  {
    at: '2025-03-01T09:00:00Z',
    provider: 'bamboohr',
    connection: 'BambooHR',
    kind: 'employee',
    recordId: 'r-ana-bamboo',
    version: 1,
    change: 'created',
    changes: [{ field: 'work_email', before: null, after: 'ana@bluebird.test', sensitive: false }],
  },
];

export const payConflict: ConflictDto = {
  id: 'k1',
  person: 'Ana Ortiz',
  field: 'pay_rate',
  baseValue: { text: '20.00 USD per hour', money: { amount: '20.00', currency: 'USD', period: 'hour' } },
  sources: [
    {
      connectionId: 'c-bamboo',
      provider: 'bamboohr',
      category: 'hris',
      value: { text: '22.50 USD per hour', money: { amount: '22.50', currency: 'USD', period: 'hour' } },
    },
    {
      connectionId: 'c-gusto',
      provider: 'gusto',
      category: 'payroll',
      value: { text: '21.00 USD per hour', money: { amount: '21.00', currency: 'USD', period: 'hour' } },
    },
  ],
  suggested: 'c-gusto',
  status: 'open',
  createdAt: '2025-03-01T09:00:00Z',
};

export const termination: PendingWriteDto = {
  id: 'w1',
  summary: 'Terminate Bo Chen in Gusto',
  connectionId: 'c-gusto',
  target: 'Gusto',
  operation: 'terminate_employee',
  status: 'awaiting_approval',
  changes: [
    { field: 'status', before: { text: 'active', money: null }, after: { text: 'terminated', money: null } },
    { field: 'termination_date', before: null, after: { text: '2025-03-15', money: null } },
  ],
  createdAt: '2025-03-01T09:00:00Z',
};

// The connection wizard's steps after a successful test.

export const bambooConnected = {
  connectionId: 'c1',
  displayName: 'BambooHR',
  account: 'Bluebird Bakery & Café',
  details: ['Can read 25 employees'],
};

export const bambooScope: ConnectionScopeDto = {
  connectionId: 'c1',
  displayName: 'BambooHR',
  provider: 'bamboohr',
  entities: [
    { kind: 'employee', read: true, incremental: true },
    { kind: 'department', read: true, incremental: false },
    { kind: 'time_off_request', read: true, incremental: true },
  ],
  routes: [
    {
      route: 'hris_to_payroll',
      role: 'source',
      what: 'new hires and terminations',
      from: 'BambooHR',
      to: 'Gusto',
      otherCategory: 'payroll',
      enabled: true,
      usesThis: true,
      alternatives: [],
      needsApproval: true,
    },
  ],
};

export const bambooMapping: MappingPreviewDto = {
  entity: 'employee',
  recordsOnPage: 25,
  more: false,
  samples: [
    {
      remoteId: '101',
      emptyFields: 4,
      fields: [
        { providerField: 'firstName', value: 'Rafael', canonical: ['first_name'], fate: 'mapped', sensitive: false },
        { providerField: 'birthDate', value: '••••••', canonical: ['date_of_birth'], fate: 'mapped', sensitive: true },
        { providerField: 'customShirtSize', value: 'M', canonical: [], fate: 'custom', sensitive: false },
        { providerField: 'division', value: 'Bluebird Bakery & Café', canonical: [], fate: 'unmapped', sensitive: false },
      ],
    },
    {
      remoteId: '102',
      emptyFields: 0,
      fields: [{ providerField: 'firstName', value: 'Ana', canonical: ['first_name'], fate: 'mapped', sensitive: false }],
    },
  ],
};

export const bambooSchedules: SchedulesDto = {
  pausedGlobally: false,
  connections: [
    {
      connectionId: 'c1',
      displayName: 'BambooHR',
      provider: 'bamboohr',
      intervalMinutes: 60,
      defaultIntervalMinutes: 60,
      customInterval: false,
      paused: false,
      state: 'due',
      nextRunAt: null,
      lastSuccessAt: null,
      lastError: null,
    },
  ],
};

export const routePreview: RoutePreviewDto = {
  writes: [
    {
      route: 'hris_to_payroll',
      target: 'Gusto',
      operation: 'terminate_employee',
      summary: 'Terminate Bo Chen in Gusto',
      changes: [{ field: 'termination_date', before: null, after: '2025-03-15' }],
      requiresApproval: true,
      state: 'new',
    },
    {
      route: 'hris_to_payroll',
      target: 'Gusto',
      operation: 'create_employee',
      summary: 'Create Ana Ortiz <ana@bluebird.test> in Gusto',
      changes: [{ field: 'first_name', before: null, after: 'Ana' }],
      requiresApproval: false,
      state: 'new',
    },
  ],
  skipped: [{ route: 'hris_to_payroll', who: 'Cy Dee', reason: 'has no work email' }],
  hours: null,
  notes: [],
};
