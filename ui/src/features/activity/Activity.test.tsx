import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditEntryDto, SyncRunDto } from '../../lib/ipc/bindings.ts';
import { ipcError, mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const okRun: SyncRunDto = {
  id: 'run1',
  connectionId: 'c-harvest',
  connection: 'Harvest',
  entity: 'time_entry',
  mode: 'incremental',
  status: 'succeeded',
  trigger: 'manual',
  startedAt: '2025-03-01T09:01:00Z',
  finishedAt: '2025-03-01T09:01:30Z',
  seen: 1234,
  created: 1200,
  updated: 34,
  deleted: 0,
  errorKind: null,
  error: null,
};
const failedRun: SyncRunDto = {
  ...okRun,
  id: 'run2',
  connection: 'BambooHR',
  entity: 'employee',
  status: 'failed',
  error: 'BambooHR no longer accepts the saved API key. Reconnect it.',
};
const entry: AuditEntryDto = {
  seq: 7,
  at: '2025-03-01T09:00:00Z',
  actor: 'app',
  action: 'conflict.resolve',
  target: 'k1',
  targetName: null,
  recordCount: 1,
  detail: '{}',
};

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    ...extra,
  });
}

async function openActivity() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-activity'));
  return user;
}

describe('activity', () => {
  it('shows loading states', async () => {
    base({ sync_runs: () => new Promise(() => {}), audit_log: () => new Promise(() => {}) });
    renderApp();
    await openActivity();
    expect(await screen.findByText('Loading sync runs…')).toBeInTheDocument();
    expect(screen.getByText('Loading the audit log…')).toBeInTheDocument();
  });

  it('shows errors in plain words', async () => {
    base({
      sync_runs: () => ipcError('busy', 'The store is busy.'),
      audit_log: () => ipcError('audit_broken', 'The audit log is not intact.'),
    });
    renderApp();
    await openActivity();
    expect(await screen.findByText('The sync runs could not load.')).toBeInTheDocument();
    expect(await screen.findByText('The audit log is not intact.')).toBeInTheDocument();
  });

  it('says when there is nothing yet', async () => {
    base({ sync_runs: () => [], audit_log: () => [] });
    renderApp();
    await openActivity();
    expect(await screen.findByText('No syncs yet.')).toBeInTheDocument();
    expect(await screen.findByText('No entries match.')).toBeInTheDocument();
  });

  it('lists runs with their errors, filters the audit log and saves it', async () => {
    const calls = base({
      sync_runs: () => [okRun, failedRun],
      audit_log: () => [entry],
      // The first save is answered in the dialog, the second cancelled.
      save_audit_log: () =>
        calls.filter((c) => c.cmd === 'save_audit_log').length === 1
          ? { path: '/home/o/Downloads/maestro-audit.csv', entries: 1, bytes: null }
          : null,
    });
    renderApp();
    const user = await openActivity();
    const failed = await screen.findByTestId('run-run2');
    expect(within(failed).getByText('BambooHR no longer accepts the saved API key. Reconnect it.')).toBeInTheDocument();
    expect(screen.getByTestId('run-run1')).toHaveTextContent('1,234 read · 1,200 new · 34 changed · 0 removed');
    await user.click(screen.getByLabelText('Only failed runs'));
    expect(screen.queryByTestId('run-run1')).toBeNull();

    expect(await screen.findByTestId('audit-7')).toHaveTextContent('conflict.resolve');
    await user.type(screen.getByTestId('audit-action'), 'conflict');
    await user.type(screen.getByTestId('audit-from'), '2025-03-01');
    await user.click(screen.getByTestId('audit-filter'));
    const queries = calls.filter((c) => c.cmd === 'audit_log').map((c) => c.args.query);
    expect(queries.at(-1)).toEqual({ action: 'conflict', from: '2025-03-01', to: null, limit: 200 });

    await user.click(screen.getByLabelText('JSON'));
    await user.click(screen.getByTestId('audit-save'));
    expect(await screen.findByText('Saved 1 entries to /home/o/Downloads/maestro-audit.csv.')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'save_audit_log')?.args).toEqual({
      query: { action: 'conflict', from: '2025-03-01', to: null, limit: 200 },
      format: 'json',
    });
    await user.click(screen.getByTestId('audit-save'));
    await waitFor(() => expect(screen.queryByText(/Saved 1 entries/)).toBeNull());
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
