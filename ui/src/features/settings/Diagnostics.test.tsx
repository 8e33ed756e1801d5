import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ipcError, mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

function base(save: () => unknown) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    schedules: () => ({ pausedGlobally: false, connections: [] }),
    desktop_prefs: () => ({ notifications: true, autostart: false }),
    save_diagnostics: save,
  });
}

async function saveFromSettings() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-settings'));
  await user.click(await screen.findByTestId('diagnostics-save'));
}

describe('Settings → Save diagnostics', () => {
  it('saves through the dialog and says where, with what it holds', async () => {
    const calls = base(() => ({ path: '/home/o/maestro-diagnostics.zip', bytes: 3136, syncRuns: 26, logLines: 125 }));
    renderApp();
    await saveFromSettings();
    expect(await screen.findByText('Diagnostics saved to /home/o/maestro-diagnostics.zip (26 sync runs, 125 log lines).')).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === 'save_diagnostics')).toHaveLength(1);
  });

  it('says nothing when the owner cancels the dialog', async () => {
    base(() => null);
    renderApp();
    await saveFromSettings();
    expect(await screen.findByTestId('diagnostics-save')).toBeEnabled();
    expect(screen.queryByText(/Diagnostics saved/)).not.toBeInTheDocument();
  });

  it('shows why it could not be written', async () => {
    base(() => ipcError('validation', 'Could not write the diagnostics (/ro/x.zip): read-only file system'));
    renderApp();
    await saveFromSettings();
    expect(await screen.findByRole('alert')).toHaveTextContent('read-only file system');
  });
});
