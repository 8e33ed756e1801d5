import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../lib/ipc/bindings.ts';
import { ipcError, mockCommands, populatedStatus, renderApp, unlocked } from '../test/fixtures.tsx';

const waiting: UpdateStatus = {
  currentVersion: '0.1.0',
  prefs: { check: true, everyHours: 24 },
  available: {
    version: '0.2.0',
    currentVersion: '0.1.0',
    notes: 'Backups are chosen in a native dialog.',
    published: '2026-12-07T12:00:00Z',
  },
  lastChecked: '2026-12-07T13:00:00Z',
  lastError: null,
  installing: false,
  syncsRunning: 0,
  installedAs: 'deb',
};

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    ...extra,
  });
}

describe('update banner', () => {
  it('offers the new version with what changed, and installs only after the owner confirms', async () => {
    const calls = base({ update_status: () => waiting, install_update: () => '0.2.0' });
    renderApp();
    const user = userEvent.setup();
    const banner = await screen.findByTestId('update-banner');
    expect(within(banner).getByTestId('update-available')).toHaveTextContent('Version 0.2.0 is available.');
    expect(within(banner).getByTestId('update-notes')).toHaveTextContent('Backups are chosen in a native dialog.');

    await user.click(within(banner).getByTestId('update-install'));
    expect(calls.some((c) => c.cmd === 'install_update')).toBe(false);
    expect(within(banner).getByText(/will close, install version 0.2.0 and open again/)).toBeInTheDocument();

    await user.click(within(banner).getByTestId('update-install-now'));
    expect(await within(banner).findByTestId('update-restarting')).toHaveTextContent(
      'Version 0.2.0 is installed. Restarting…',
    );
    expect(calls.filter((c) => c.cmd === 'install_update')).toHaveLength(1);
  });

  it('waits while a sync runs and shows a refused signature in plain words', async () => {
    const refused =
      'The update could not be verified: its signature does not match the Integration Maestro signing key. Nothing was installed.';
    let running = 1;
    base({
      update_status: () => ({ ...waiting, syncsRunning: running }),
      install_update: () => ipcError('internal', refused),
    });
    renderApp();
    const banner = await screen.findByTestId('update-banner');
    expect(within(banner).getByText(/A sync is running/)).toBeInTheDocument();
    expect(within(banner).getByTestId('update-install')).toBeDisabled();

    running = 0;
    const user = userEvent.setup();
    // Later hides it for this version; Settings → Updates still offers it.
    await user.click(within(banner).getByRole('button', { name: 'Later' }));
    expect(screen.queryByTestId('update-banner')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('settings-updates');
    expect(within(card).getByText(/installed from the \.deb package/i)).toBeInTheDocument();
    await user.click(within(card).getByTestId('update-install'));
    await user.click(within(card).getByTestId('update-install-now'));
    expect(await within(card).findByText(refused)).toBeInTheDocument();
  });

  it('shows nothing when this is the newest version, and Settings can check and change how often', async () => {
    const calls = base({
      update_status: () => ({ ...waiting, available: null }),
      check_for_update: () => ({ ...waiting, available: null, lastChecked: '2026-12-07T14:00:00Z' }),
      set_update_prefs: (args) => ({ ...waiting, available: null, prefs: args.prefs }),
      schedules: () => ({ pausedGlobally: false, connections: [] }),
      desktop_prefs: () => ({ notifications: true, autostart: false }),
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const card = await screen.findByTestId('settings-updates');
    expect(screen.queryByTestId('update-banner')).not.toBeInTheDocument();
    await user.click(within(card).getByTestId('update-check'));
    expect(await within(card).findByTestId('update-newest')).toBeInTheDocument();
    await user.selectOptions(within(card).getByRole('combobox'), '168');
    expect(calls.find((c) => c.cmd === 'set_update_prefs')?.args).toEqual({
      prefs: { check: true, everyHours: 168 },
    });
  });
});
