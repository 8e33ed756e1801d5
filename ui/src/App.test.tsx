import { mockIPC } from '@tauri-apps/api/mocks';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App.tsx';

describe('App', () => {
  it('shows the app version reported by the backend', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'app_info') {
        return { name: 'Integration Maestro', version: '1.2.3' };
      }
      return undefined;
    });

    render(<App />);

    expect(
      screen.getByRole('heading', { level: 1, name: /Integration Maestro.*your HR tools, in step/ }),
    ).toBeInTheDocument();
    expect(await screen.findByTestId('app-version')).toHaveTextContent('1.2.3');
    expect(screen.getByRole('heading', { name: 'Connections come next' })).toBeInTheDocument();
    expect(calls).toContain('app_info');
  });

  it('shows a readable message when the IPC call fails, and can retry by keyboard', async () => {
    let fail = true;
    mockIPC((cmd) => {
      if (cmd === 'app_info') {
        return fail
          ? Promise.reject(new Error('command app_info not found'))
          : { name: 'Integration Maestro', version: '0.1.0' };
      }
      return undefined;
    });

    render(<App />);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('We couldn’t reach the app’s backend.');
    expect(alert).toHaveTextContent('command app_info not found');

    fail = false;
    const user = userEvent.setup();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Try again' })).toHaveFocus();
    await user.keyboard('{Enter}');

    expect(await screen.findByTestId('app-version')).toHaveTextContent('0.1.0');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
