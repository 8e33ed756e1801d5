import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { SchedulesDto } from '../../lib/ipc/bindings.ts';
import { ipcError, lockedNoStore, mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const schedules: SchedulesDto = {
  pausedGlobally: false,
  connections: [
    {
      connectionId: 'c-harvest',
      displayName: 'Harvest',
      provider: 'harvest',
      intervalMinutes: 30,
      defaultIntervalMinutes: 30,
      customInterval: false,
      paused: false,
      state: 'waiting',
      nextRunAt: '2025-03-01T09:31:00Z',
      lastSuccessAt: null,
      lastError: null,
    },
  ],
};

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    ...extra,
  });
}

async function openSettings() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-settings'));
  return user;
}

describe('settings', () => {
  it('backs up and restores through the system file dialog, with no path typed', async () => {
    let backups = 0;
    const calls = base({
      schedules: () => schedules,
      desktop_prefs: () => ({ notifications: true, autostart: false }),
      // The first backup's dialog is cancelled, the second answered.
      backup: () => (++backups === 1 ? null : { path: '/home/o/maestro-2026-03-01.backup', entries: 12, bytes: 4096 }),
      restore: () => null,
    });
    renderApp();
    const user = await openSettings();
    expect(screen.queryByText(/A full file path/)).toBeNull();
    const backup = screen.getByRole('form', { name: 'Back up' });
    await user.type(within(backup).getByLabelText(/Backup passphrase/), 'a long backup passphrase');
    await user.click(screen.getByTestId('backup-save'));
    await screen.findByRole('button', { name: 'Back up…' });
    expect(screen.queryByText(/Backup saved/)).toBeNull();
    await user.click(screen.getByTestId('backup-save'));
    expect(await screen.findByText('Backup saved to /home/o/maestro-2026-03-01.backup (12 audit entries).')).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === 'backup').map((c) => c.args)).toEqual([
      { passphrase: 'a long backup passphrase' },
      { passphrase: 'a long backup passphrase' },
    ]);

    const restore = screen.getByRole('form', { name: 'Restore a backup' });
    await user.type(within(restore).getByLabelText(/Backup passphrase/), 'a long backup passphrase');
    await user.click(within(restore).getByRole('button', { name: 'Choose the backup…' }));
    expect(calls.find((c) => c.cmd === 'restore')?.args).toEqual({ passphrase: 'a long backup passphrase', newPassphrase: null });
    expect(screen.queryByText(/Restored\./)).toBeNull();
  });

  it('shows loading states', async () => {
    base({ schedules: () => new Promise(() => {}), desktop_prefs: () => new Promise(() => {}) });
    renderApp();
    await openSettings();
    expect(await screen.findByText('Loading schedules…')).toBeInTheDocument();
  });

  it('shows errors in plain words', async () => {
    base({ schedules: () => ipcError('busy', 'The store is busy.'), desktop_prefs: () => ({ notifications: true, autostart: false }) });
    renderApp();
    await openSettings();
    expect(await screen.findByText('The schedules could not load.')).toBeInTheDocument();
  });

  it('says when nothing is connected', async () => {
    base({ schedules: () => ({ pausedGlobally: false, connections: [] }), desktop_prefs: () => ({ notifications: true, autostart: false }) });
    renderApp();
    await openSettings();
    expect(await screen.findByText('Nothing is connected yet.')).toBeInTheDocument();
  });

  it('sets intervals, pauses syncing, stores preferences, and checks the current passphrase', async () => {
    const calls = base({
      schedules: () => schedules,
      desktop_prefs: () => ({ notifications: true, autostart: false }),
      set_schedule: () => null,
      set_sync_paused: () => null,
      set_desktop_pref: () => null,
      change_passphrase: () => ipcError('wrong_key', 'That is not your current passphrase.', 'current'),
    });
    renderApp();
    const user = await openSettings();
    const row = await screen.findByTestId('schedule-c-harvest');
    const input = within(row).getByLabelText('Sync Harvest every (minutes)');
    await user.clear(input);
    await user.type(input, '15');
    await user.click(within(row).getByRole('button', { name: 'Save' }));
    expect(calls.find((c) => c.cmd === 'set_schedule')?.args).toEqual({ connectionId: 'c-harvest', intervalMinutes: 15 });

    await user.click(screen.getByTestId('settings-pause'));
    expect(calls.find((c) => c.cmd === 'set_sync_paused')?.args).toEqual({ paused: true });

    expect(await screen.findByTestId('settings-notifications')).toBeChecked();
    expect(screen.getByTestId('settings-autostart')).not.toBeChecked();
    await user.click(screen.getByTestId('settings-notifications'));
    expect(calls.find((c) => c.cmd === 'set_desktop_pref')?.args).toEqual({ pref: 'notifications', on: false });

    await user.type(screen.getByLabelText(/Current passphrase/), 'not it at all');
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }));
    expect(await screen.findByText('That is not your current passphrase.')).toBeInTheDocument();
    expect(screen.getByLabelText(/Current passphrase/)).toHaveAttribute('aria-invalid', 'true');
  });

  it('locks the app and returns to the unlock screen', async () => {
    let locked = false;
    base({
      app_state: () => (locked ? { ...lockedNoStore, storeExists: true, keySource: 'passphrase' } : unlocked),
      schedules: () => schedules,
      desktop_prefs: () => ({ notifications: true, autostart: false }),
      lock: () => {
        locked = true;
        return null;
      },
    });
    renderApp();
    const user = await openSettings();
    await user.click(await screen.findByTestId('settings-lock'));
    expect(await screen.findByRole('heading', { name: 'Unlock your data' })).toBeInTheDocument();
  });
});
