import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  emptyStatus,
  ipcError,
  lockedNoStore,
  mockCommands,
  renderApp,
  unlocked,
} from '../test/fixtures.tsx';

describe('first run', () => {
  it('shows a loading state, then a readable backend error with a keyboard retry', async () => {
    let fail = true;
    mockCommands({
      app_state: () => (fail ? ipcError('internal', 'The data folder cannot be read.') : lockedNoStore),
    });
    renderApp();
    expect(screen.getByRole('status')).toHaveTextContent('Starting…');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('We couldn’t reach the app’s backend.');
    expect(alert).toHaveTextContent('The data folder cannot be read.');
    fail = false;
    const user = userEvent.setup();
    screen.getByRole('button', { name: 'Try again' }).focus();
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'Set up your encrypted store' })).toBeInTheDocument();
  });

  it('validates the passphrase length as you type and creates the store with it', async () => {
    const calls = mockCommands({
      app_state: () => lockedNoStore,
      create_store: () => unlocked,
    });
    renderApp();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Company name/), 'Bluebird Bakery');
    const passphrase = screen.getByLabelText(/^Passphrase/);
    const create = screen.getByRole('button', { name: 'Create encrypted store' });

    await user.type(passphrase, 'short');
    expect(passphrase).toHaveAccessibleDescription(/Use at least 12 characters \(5 so far\)/);
    expect(passphrase).toBeInvalid();
    expect(create).toBeDisabled();

    await user.type(passphrase, ' but now long');
    expect(screen.getByText('Long enough.')).toBeInTheDocument();
    expect(create).toBeEnabled();
    await user.click(create);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'create_store')?.args).toEqual({
        company: 'Bluebird Bakery',
        passphrase: 'short but now long',
      }),
    );
  });

  it('shows a wrong passphrase next to the field when unlocking', async () => {
    mockCommands({
      app_state: () => ({ ...lockedNoStore, storeExists: true, keySource: 'passphrase' }),
      unlock: () => ipcError('wrong_key', 'That passphrase does not open this store.', 'passphrase'),
    });
    renderApp();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/^Passphrase/), 'not the one{Enter}');
    expect(await screen.findByText('That passphrase does not open this store.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Passphrase/)).toBeInvalid();
  });

  it('offers demo data once unlocked with nothing connected, and starts it', async () => {
    let demo = false;
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => (demo ? { ...emptyStatus, records: [{ kind: 'employee', count: 25 }], connections: [] } : emptyStatus),
      start_demo: () => {
        demo = true;
        return [];
      },
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /Explore with demo data/ }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'start_demo')).toBe(true));
    expect(screen.getByRole('button', { name: /Connect your first tool/ })).toBeInTheDocument();
  });

  it('speaks Spanish', async () => {
    mockCommands({ app_state: () => lockedNoStore });
    renderApp('es');
    expect(await screen.findByRole('heading', { name: 'Configura tu almacén cifrado' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Crear almacén cifrado' })).toBeDisabled();
  });
});
