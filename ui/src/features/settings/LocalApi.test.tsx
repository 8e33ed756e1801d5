import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ApiKeyDto, GustoVerificationDto } from '../../lib/ipc/bindings.ts';
import {
  gatewayOff,
  gatewayOn,
  ipcError,
  mockCommands,
  payrollKey,
  populatedStatus,
  renderApp,
  unlocked,
} from '../../test/fixtures.tsx';
import { eventScopes, isNetwork } from './LocalApi.tsx';

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    schedules: () => ({ pausedGlobally: false, connections: [] }),
    desktop_prefs: () => ({ notifications: true, autostart: false }),
    gusto_webhook_tokens: () => [],
    ...extra,
  });
}

async function openSettings() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-settings'));
  return { user, section: await screen.findByTestId('settings-local-api') };
}

const revokedKey: ApiKeyDto = {
  ...payrollKey,
  id: 'key-0',
  name: 'Old script',
  scopes: ['*:read'],
  lastUsedAt: null,
  revokedAt: '2025-02-01T08:00:00Z',
};

describe('isNetwork', () => {
  it('accepts networks and single addresses the gateway accepts', () => {
    for (const ok of ['192.168.1.0/24', '10.0.0.7', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::1/128', '::ffff:10.0.0.1']) {
      expect(isNetwork(ok), ok).toBe(true);
    }
    for (const bad of ['', '192.168.1.0/33', '192.168.1', '256.1.1.1', '01.2.3.4', '10.0.0.0/8/8', 'fd00::/129', 'lan', '1::2::3', '10.0.0.0/']) {
      expect(isNetwork(bad), bad).toBe(false);
    }
  });
});

describe('eventScopes', () => {
  it('gives an events key the alerts scope its alerts topic needs, once', () => {
    expect(eventScopes({ employees: 'read' })).toEqual(['events:read', 'alerts:read']);
    expect(eventScopes({ alerts: 'read' })).toEqual(['events:read']);
    expect(eventScopes({ '*': 'read' })).toEqual(['events:read']);
  });
});

describe('local API settings', () => {
  it('shows loading states', async () => {
    base({ gateway_status: () => new Promise(() => {}), api_keys: () => new Promise(() => {}) });
    renderApp();
    const { section } = await openSettings();
    expect(within(section).getByText('Loading the local API settings…')).toBeInTheDocument();
    expect(within(section).getByText('Loading API keys…')).toBeInTheDocument();
  });

  it('shows errors in plain words', async () => {
    base({
      gateway_status: () => ipcError('busy', 'The store is busy. Try again in a moment.'),
      api_keys: () => ipcError('internal', 'The keys could not be read.'),
    });
    renderApp();
    const { section } = await openSettings();
    expect(await within(section).findByText('The local API settings could not load.')).toBeInTheDocument();
    expect(within(section).getByText('The store is busy. Try again in a moment.')).toBeInTheDocument();
    expect(await within(section).findByText('The API keys could not load.')).toBeInTheDocument();
  });

  it('is off with no keys at first', async () => {
    base({});
    renderApp();
    const { section } = await openSettings();
    expect(await within(section).findByText('Off. Nothing listens.')).toBeInTheDocument();
    expect(within(section).getByRole('switch', { name: 'Run the local API while the app is unlocked' })).not.toBeChecked();
    expect(await within(section).findByText(/No API keys yet/)).toBeInTheDocument();
    expect(within(section).queryByTestId('local-api-fingerprint')).not.toBeInTheDocument();
  });

  it('turns on from the switch and shows the address', async () => {
    const calls = base({ set_gateway: () => gatewayOn });
    renderApp();
    const { user, section } = await openSettings();
    await user.click(await within(section).findByRole('switch'));
    expect(calls.find((c) => c.cmd === 'set_gateway')?.args).toEqual({
      settings: { enabled: true, bind: '127.0.0.1:7878', tls: false, allowlist: [] },
    });
    expect(await within(section).findByTestId('local-api-url')).toHaveTextContent('http://127.0.0.1:7878');
    expect(within(section).getByRole('switch')).toBeChecked();
  });

  it('says why it is not running, and refuses a LAN address without TLS at the TLS field', async () => {
    const calls = base({
      gateway_status: () => ({ ...gatewayOn, running: false, url: null, lastError: 'Another program already uses 127.0.0.1:7878.' }),
      set_gateway: () =>
        ipcError('validation', 'Other computers on the network could read payroll data at 192.168.1.5.', 'tls'),
    });
    renderApp();
    const { user, section } = await openSettings();
    expect(await within(section).findByText('Another program already uses 127.0.0.1:7878.')).toBeInTheDocument();

    const bind = within(section).getByLabelText('Address and port');
    await user.clear(bind);
    await user.type(bind, '192.168.1.5:7878');
    await user.click(within(section).getByRole('button', { name: 'Save and restart' }));
    expect(calls.find((c) => c.cmd === 'set_gateway')?.args).toEqual({
      settings: { enabled: true, bind: '192.168.1.5:7878', tls: false, allowlist: [] },
    });
    expect(await within(section).findByText(/could read payroll data/)).toBeInTheDocument();
    expect(within(section).getByLabelText('Use TLS 1.3 (encrypted connections)')).toHaveAttribute('aria-invalid', 'true');
  });

  it('checks networks as they are typed and sends the allowlist with TLS', async () => {
    const calls = base({ set_gateway: () => ({ ...gatewayOff, tls: true, allowlist: ['192.168.1.0/24'] }) });
    renderApp();
    const { user, section } = await openSettings();
    const input = await within(section).findByLabelText('Add a network');
    const add = within(section).getByRole('button', { name: 'Add' });
    await user.type(input, '192.168.1.0/33');
    expect(within(section).getByText(/Write a network like/)).toBeInTheDocument();
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(add).toBeDisabled();
    await user.clear(input);
    await user.type(input, '192.168.1.0/24');
    expect(within(section).getByText('Looks right.')).toBeInTheDocument();
    await user.keyboard('{Enter}');
    expect(within(section).getByTestId('allowlist')).toHaveTextContent('192.168.1.0/24');
    expect(input).toHaveValue('');
    await user.click(within(section).getByLabelText('Use TLS 1.3 (encrypted connections)'));
    await user.click(within(section).getByRole('button', { name: 'Save and restart' }));
    expect(calls.find((c) => c.cmd === 'set_gateway')?.args).toEqual({
      settings: { enabled: false, bind: '127.0.0.1:7878', tls: true, allowlist: ['192.168.1.0/24'] },
    });
    await user.click(await within(section).findByRole('button', { name: 'Remove 192.168.1.0/24' }));
    expect(within(section).getByText(/No networks listed/)).toBeInTheDocument();
  });

  it('lists keys with scopes, use and the TLS fingerprint, and revokes after a confirmation', async () => {
    const fingerprint = 'AB:CD:EF:01';
    const calls = base({
      gateway_status: () => ({ ...gatewayOn, url: 'https://127.0.0.1:7878', tls: true, tlsFingerprint: fingerprint }),
      api_keys: () => [payrollKey, revokedKey],
      revoke_api_key: () => null,
    });
    renderApp();
    const { user, section } = await openSettings();
    expect(await within(section).findByTestId('local-api-fingerprint')).toHaveTextContent(fingerprint);
    const row = await within(section).findByTestId('api-key-key-1');
    expect(row).toHaveTextContent('Payroll export');
    expect(row).toHaveTextContent('employees:read, events:read');
    expect(row).not.toHaveTextContent('Never');
    const old = within(section).getByTestId('api-key-key-0');
    expect(old).toHaveTextContent('Never');
    expect(old).toHaveTextContent(/Revoked/);
    expect(within(old).queryByRole('button')).not.toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Revoke Payroll export' }));
    expect(within(row).getByText(/Anything using it stops working at once/)).toBeInTheDocument();
    expect(within(row).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(calls.some((c) => c.cmd === 'revoke_api_key')).toBe(false);
    await user.click(within(row).getByRole('button', { name: 'Revoke Payroll export' }));
    await user.click(within(row).getByRole('button', { name: 'Yes, revoke' }));
    expect(calls.find((c) => c.cmd === 'revoke_api_key')?.args).toEqual({ id: 'key-1' });
  });

  it('creates a key and shows it once, with a copy button', async () => {
    const secret = 'mk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    let keys: ApiKeyDto[] = [];
    const calls = base({
      api_keys: () => keys,
      create_api_key: (args) => {
        const key = { ...payrollKey, lastUsedAt: null, name: String(args.name), scopes: args.scopes as string[] };
        keys = [key];
        return { key, secret };
      },
    });
    renderApp();
    const { user, section } = await openSettings();
    const create = await within(section).findByRole('button', { name: 'Create key' });
    expect(create).toBeDisabled();
    await user.type(within(section).getByLabelText(/What is it for\?/), 'Payroll export');
    await user.click(within(section).getByRole('checkbox', { name: 'Read employees' }));
    await user.click(within(section).getByRole('checkbox', { name: 'Change time entries' }));
    expect(within(section).getByRole('checkbox', { name: 'Read time entries' })).toBeChecked();
    expect(within(section).getByRole('checkbox', { name: 'Read time entries' })).toBeDisabled();
    await user.click(within(section).getByLabelText('Receive live events (sync progress, changes)'));
    await user.click(create);
    expect(calls.find((c) => c.cmd === 'create_api_key')?.args).toEqual({
      name: 'Payroll export',
      scopes: ['employees:read', 'time_entries:write', 'events:read', 'alerts:read'],
    });

    expect(await within(section).findByTestId('new-key')).toHaveTextContent(secret);
    expect(within(section).getByText(/You will not see it again/)).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Copy' }));
    expect(await within(section).findByText('Copied.')).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(secret);
    // The list shows the new key without the secret.
    const row = await within(section).findByTestId('api-key-key-1');
    expect(row).not.toHaveTextContent(secret);

    await user.click(within(section).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText(secret)).not.toBeInTheDocument();
    expect(within(section).getByLabelText(/What is it for\?/)).toHaveValue('');
  });

  it('names the field when a key cannot be created', async () => {
    base({ create_api_key: () => ipcError('validation', 'Give the key a name, so you know later what uses it.', 'name') });
    renderApp();
    const { user, section } = await openSettings();
    await user.type(await within(section).findByLabelText(/What is it for\?/), 'Script');
    await user.click(within(section).getByRole('checkbox', { name: 'Read All data' }));
    await user.click(within(section).getByRole('button', { name: 'Create key' }));
    expect(await within(section).findByText(/Give the key a name/)).toBeInTheDocument();
    expect(within(section).getByLabelText(/What is it for\?/)).toHaveAttribute('aria-invalid', 'true');
  });

  it('speaks Spanish', async () => {
    base({});
    renderApp('es');
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    expect(await screen.findByRole('heading', { name: 'API local' })).toBeInTheDocument();
    expect(await screen.findByText('Desactivada. No escucha nada.')).toBeInTheDocument();
  });

  it('says an events key with no data ticked receives only alerts', async () => {
    base({});
    renderApp();
    const { user, section } = await openSettings();
    const events = await within(section).findByLabelText('Receive live events (sync progress, changes)');
    expect(events).toHaveAccessibleDescription(/only for the data ticked Read above/);
    await user.click(events);
    expect(events).toHaveAccessibleDescription(/with none it receives only alerts/);
    await user.click(within(section).getByRole('checkbox', { name: 'Read employees' }));
    expect(events).toHaveAccessibleDescription(/the key also gets alerts:read/);
  });
});

const waiting: GustoVerificationDto = {
  connectionId: 'conn-gusto',
  connectionName: 'Gusto',
  webhookUrl: 'http://127.0.0.1:7878/webhooks/conn-gusto',
  tokens: [
    { reference: 'aaaa000011112222', receivedAt: '2025-03-02T10:30:00Z', from: '127.0.0.1' },
    { reference: 'bbbb000011112222', receivedAt: '2025-03-02T10:31:00Z', from: '203.0.113.9' },
  ],
};

describe('Gusto webhook verification', () => {
  it('is not asked for while the local API is off', async () => {
    const calls = base({});
    renderApp();
    const { section } = await openSettings();
    expect(await within(section).findByText('Off. Nothing listens.')).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === 'gusto_webhook_tokens')).toBe(false);
    expect(within(section).queryByText('Gusto webhook verification')).not.toBeInTheDocument();
  });

  it('shows a waiting token, reveals and copies it on request, and confirms it', async () => {
    let pending = [waiting];
    const token = '6590f590-3dba-4b8e-9c41-2ad1c0ffee00';
    const calls = base({
      gateway_status: () => gatewayOn,
      gusto_webhook_tokens: () => pending,
      reveal_gusto_webhook_token: () => token,
      confirm_gusto_webhook_token: () => {
        pending = [];
        return null;
      },
    });
    renderApp();
    const { user, section } = await openSettings();
    const box = await within(section).findByTestId('gusto-verification');
    expect(within(box).getByRole('heading', { name: 'Gusto webhook verification' })).toBeInTheDocument();
    expect(box).toHaveTextContent('http://127.0.0.1:7878/webhooks/conn-gusto');
    expect(box).toHaveTextContent('PUT /v1/webhook_subscriptions/{subscription id}/verify');
    expect(box).toHaveTextContent(/2 tokens arrived\. Only the one Gusto accepts is right/);
    expect(box).toHaveTextContent('from 203.0.113.9');
    // The token is not on screen until the owner asks.
    expect(box).not.toHaveTextContent(token);
    expect(calls.some((c) => c.cmd === 'reveal_gusto_webhook_token')).toBe(false);

    const first = within(box).getByTestId('gusto-token-aaaa000011112222');
    await user.click(within(first).getByRole('button', { name: 'Show' }));
    expect(await within(first).findByTestId('gusto-token-value')).toHaveTextContent(token);
    await user.click(within(first).getByRole('button', { name: 'Hide' }));
    expect(first).not.toHaveTextContent(token);
    await user.click(within(first).getByRole('button', { name: 'Copy token' }));
    expect(await within(first).findByText('Token copied. Now verify it with Gusto.')).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(token);
    expect(calls.find((c) => c.cmd === 'reveal_gusto_webhook_token')?.args).toEqual({
      connectionId: 'conn-gusto',
      reference: 'aaaa000011112222',
    });

    await user.click(within(first).getByRole('button', { name: /Confirm the token that arrived .* from 127\.0\.0\.1/ }));
    expect(calls.find((c) => c.cmd === 'confirm_gusto_webhook_token')?.args).toEqual({
      connectionId: 'conn-gusto',
      reference: 'aaaa000011112222',
    });
    expect(
      await within(section).findByText('Saved. Gusto’s events to Gusto are now checked with the token you confirmed.'),
    ).toBeInTheDocument();
    expect(within(section).queryByTestId('gusto-token-aaaa000011112222')).not.toBeInTheDocument();
  });

  it('says what to do when a token cannot be confirmed', async () => {
    base({
      gateway_status: () => gatewayOn,
      gusto_webhook_tokens: () => [waiting],
      confirm_gusto_webhook_token: () =>
        ipcError('not_found', 'This verification token is no longer waiting. Ask Gusto to send a new one, then refresh.'),
    });
    renderApp();
    const { user, section } = await openSettings();
    const row = await within(section).findByTestId('gusto-token-bbbb000011112222');
    await user.click(within(row).getByRole('button', { name: /Confirm the token/ }));
    const alert = await within(row).findByRole('alert');
    expect(alert).toHaveTextContent('Not confirmed.');
    expect(alert).toHaveTextContent('Ask Gusto to send a new one');
  });

  it('says when the waiting tokens cannot be read', async () => {
    base({
      gateway_status: () => gatewayOn,
      gusto_webhook_tokens: () => ipcError('busy', 'The store is busy. Try again in a moment.'),
    });
    renderApp();
    const { section } = await openSettings();
    expect(await within(section).findByText('Waiting Gusto verification tokens could not be read.')).toBeInTheDocument();
  });
});
