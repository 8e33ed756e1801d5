import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertDto } from '../../lib/ipc/bindings.ts';
import {
  connectorList,
  otherPerson,
  person,
  emptyStatus,
  ipcError,
  mockCommands,
  populatedStatus,
  reconnectAlert,
  renderApp,
  unlocked,
} from '../../test/fixtures.tsx';

describe('dashboard', () => {
  it('shows a loading state while the status loads', async () => {
    mockCommands({ app_state: () => unlocked, status: () => new Promise(() => {}) });
    renderApp();
    expect(await screen.findByText('Loading your dashboard…')).toBeInTheDocument();
  });

  it('shows a readable error and retries', async () => {
    let fail = true;
    mockCommands({
      app_state: () => unlocked,
      status: () => (fail ? ipcError('busy', 'The store is busy; try again shortly.') : populatedStatus),
      alerts: () => [],
    });
    renderApp();
    expect(await screen.findByRole('alert')).toHaveTextContent('The store is busy; try again shortly.');
    fail = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Bluebird Bakery' })).toBeInTheDocument();
  });

  it('shows cards with status, counts and last sync, the chart, and an empty alerts feed', async () => {
    mockCommands({ app_state: () => unlocked, status: () => populatedStatus, alerts: () => [] });
    renderApp();
    const bamboo = await screen.findByRole('listitem', { name: 'BambooHR' });
    expect(within(bamboo).getByText('Needs attention')).toBeInTheDocument();
    expect(within(bamboo).getByText('25 records')).toBeInTheDocument();
    expect(within(bamboo).getByText(/Last sync: Mar 1, .* · failed/)).toBeInTheDocument();
    const harvest = screen.getByRole('listitem', { name: 'Harvest' });
    expect(within(harvest).getByText('In step')).toBeInTheDocument();
    expect(within(harvest).getByText(/^Last sync: Mar 1, [^·]*$/)).toBeInTheDocument();
    expect(within(harvest).getByText('1,234 records')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Records per kind: Time entries 1,234, Employees 25/ })).toBeInTheDocument();
    expect(await screen.findByText('All clear. Nothing needs your attention.')).toBeInTheDocument();
  });

  it('formats numbers and labels for Spanish', async () => {
    mockCommands({ app_state: () => unlocked, status: () => populatedStatus, alerts: () => [] });
    renderApp('es');
    const harvest = await screen.findByRole('listitem', { name: 'Harvest' });
    expect(within(harvest).getByText('1234 registros')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Registros por tipo: Registros de horas/ })).toBeInTheDocument();
  });

  it('shows the empty state with no connections once past the start choice', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => ({ ...emptyStatus, connections: [] }),
      alerts: () => [],
    });
    renderApp();
    // With nothing connected, the start choice stands in for the empty dashboard.
    expect(await screen.findByRole('heading', { name: 'How would you like to start?' })).toBeInTheDocument();
  });

  it('fixes a revoked key in one click: Reconnect re-asks the key and calls reconnect', async () => {
    let fixed = false;
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => (fixed ? [] : [reconnectAlert]),
      connectors: () => connectorList,
      reconnect: () => {
        fixed = true;
        return { connectionId: 'c-bamboo', displayName: 'BambooHR', account: 'Bluebird Bakery & Café', details: [] };
      },
    });
    renderApp();
    const user = userEvent.setup();
    expect(await screen.findByText('BambooHR needs to be reconnected')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    const form = await screen.findByRole('form', { name: 'Reconnect BambooHR' });
    const save = within(form).getByRole('button', { name: 'Save and test' });
    expect(save).toBeDisabled();
    await user.type(within(form).getByLabelText(/API key/), 'new-key');
    await user.click(save);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'reconnect')?.args).toEqual({
        request: { connectionId: 'c-bamboo', values: { api_key: 'new-key' } },
      }),
    );
    expect(await screen.findByText('All clear. Nothing needs your attention.')).toBeInTheDocument();
  });

  it('says so when the reconnect form cannot learn what to ask, and saves nothing', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [reconnectAlert],
      connectors: () => ipcError('internal', 'The list of tools could not be read.'),
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Reconnect' }));
    const form = await screen.findByRole('form', { name: /Reconnect/ });
    expect(await within(form).findByText('The list of tools could not be read.')).toBeInTheDocument();
    expect(within(form).getByRole('button', { name: 'Save and test' })).toBeDisabled();
  });

  it('charts records and failed runs per day', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [],
      daily_activity: () => [
        { day: '2025-02-28', runs: 0, records: 0, errors: 0 },
        { day: '2025-03-01', runs: 6, records: 1259, errors: 2 },
      ],
    });
    renderApp();
    const chart = await screen.findByRole('img', { name: /Mar 1: 1,259 records changed, 2 failed runs/ });
    expect(chart).toBeInTheDocument();
    expect(screen.getByText('Sync activity, last 14 days')).toBeInTheDocument();
  });

  it('offers retry, review and open-the-person fixes', async () => {
    const retry: AlertDto = {
      ...reconnectAlert,
      id: 'a2',
      kind: 'sync_failing',
      title: 'Harvest keeps failing',
      connectionId: 'c-harvest',
      provider: 'harvest',
      action: 'retry',
    };
    const discrepancy: AlertDto = {
      ...reconnectAlert,
      id: 'a3',
      kind: 'pay_rate_mismatch',
      title: 'Ana Ortiz’s pay rate differs between systems',
      action: 'review',
      recordId: 'r-ana-bamboo',
    };
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [retry, discrepancy],
      sync_now: () => [],
      people: () => [person, otherPerson],
      person_history: () => [],
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('alert-fix-retry'));
    expect(calls.find((c) => c.cmd === 'sync_now')?.args).toEqual({ connection: 'c-harvest' });
    expect(await screen.findByText(/Sync finished/)).toBeInTheDocument();

    await user.click(screen.getByTestId('alert-fix-open'));
    expect(await screen.findByText('Showing the person from the alert.')).toBeInTheDocument();
    expect(screen.getByTestId('person-id-ana')).toHaveAttribute('aria-current', 'true');
    expect(screen.queryByTestId('person-id-bo')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Show everyone' }));
    expect(screen.getByTestId('person-id-bo')).toBeInTheDocument();

    await user.click(screen.getByTestId('nav-dashboard'));
    await user.click(await screen.findByTestId('alert-fix-review'));
    expect(await screen.findByTestId('screen-review')).toBeInTheDocument();
  });
});
