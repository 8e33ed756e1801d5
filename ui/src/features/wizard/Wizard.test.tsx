import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  bambooMapping,
  bambooSchedules,
  bambooScope,
  connectorList,
  emptyStatus,
  ipcError,
  mockCommands,
  renderApp,
  routePreview,
  unlocked,
} from '../../test/fixtures.tsx';

/** Validates like the backend's `validate_fields`: required fields and a subdomain shape. */
function validate(args: Record<string, unknown>) {
  const values = args.values as Record<string, string>;
  const problems = [];
  if (!values.subdomain) problems.push({ field: 'subdomain', message: 'Company domain is required.' });
  else if (!/^[a-z0-9-]+$/.test(values.subdomain))
    problems.push({ field: 'subdomain', message: 'Company domain does not look right (expected something like bluebird).' });
  if (!values.api_key) problems.push({ field: 'api_key', message: 'API key is required.' });
  return problems;
}

async function openBambooForm() {
  const user = userEvent.setup();
  renderApp();
  await user.click(await screen.findByRole('button', { name: /Connect your first tool/ }));
  await user.click(await screen.findByRole('button', { name: 'HR system' }));
  await user.click(screen.getByRole('button', { name: /BambooHR/ }));
  return user;
}

describe('connection wizard', () => {
  it('adds a connector from a provider file, refusing a malformed one with its line', async () => {
    const own = {
      id: 'corner-shifts',
      name: 'Corner Shifts',
      category: 'time_tracking',
      summary: "The shop's own shift log.",
      auth: 'api_key',
      fields: [
        { key: 'key', label: 'Access key', help: 'Settings → Access keys.', kind: 'secret', required: true, example: null, default: null, multiline: false },
        { key: 'region', label: 'Server', help: 'Leave as api.', kind: 'text', required: false, example: 'euc1', default: 'api', multiline: false },
      ],
      reads: ['employee', 'time_entry'],
      docsUrl: 'https://shifts.example/docs',
    };
    let attempt = 0;
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: () => [],
      add_connector_file: () =>
        ++attempt === 1
          ? ipcError('validation', 'corner.toml, line 12: streams[0].paginator: unknown field `sise`', 'streams[0].paginator')
          : Promise.resolve(own),
    });
    const user = userEvent.setup();
    renderApp();
    await user.click(await screen.findByRole('button', { name: /Connect your first tool/ }));
    const input = await screen.findByTestId('wizard-own-file');
    await user.upload(input, new File(['id = "corner-shifts"'], 'corner.toml', { type: 'text/plain' }));
    expect(await screen.findByText(/line 12: streams\[0\]\.paginator: unknown field `sise`/)).toBeInTheDocument();
    await user.upload(input, new File(['id = "corner-shifts"\n'], 'corner.toml', { type: 'text/plain' }));
    expect(await screen.findByText('Sign-in details for Corner Shifts')).toBeInTheDocument();
    expect(screen.getByLabelText(/Access key/)).toBeInTheDocument();
    expect(screen.getByLabelText(/Server/)).toHaveValue('api');
    const added = calls.filter((c) => c.cmd === 'add_connector_file');
    expect(added.at(-1)?.args).toEqual({ fileName: 'corner.toml', text: 'id = "corner-shifts"\n' });
  });

  it('renders fields from the manifest and validates them inline as you type', async () => {
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: validate,
    });
    const user = await openBambooForm();
    expect(screen.getByText('Step 2 of 5')).toBeInTheDocument();
    const domain = screen.getByLabelText(/Company domain/);
    expect(domain).toHaveAccessibleDescription(/The part before \.bamboohr\.com\./);
    await user.type(domain, 'Blue Bird');
    expect(await screen.findByText(/does not look right/)).toBeInTheDocument();
    expect(domain).toBeInvalid();
    expect(screen.getByRole('button', { name: 'Test connection' })).toBeDisabled();

    await user.clear(domain);
    await user.type(domain, 'bluebird');
    await waitFor(() => expect(screen.queryByText(/does not look right/)).not.toBeInTheDocument());
    await user.type(screen.getByLabelText(/API key/), 'abc123');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Test connection' })).toBeEnabled());
    expect(calls.filter((c) => c.cmd === 'validate_connection_fields').at(-1)?.args).toEqual({
      provider: 'bamboohr',
      values: { subdomain: 'bluebird', api_key: 'abc123' },
    });
  });

  it('tests the connection, shows a plain result, and runs the first sync', async () => {
    const calls = mockCommands({
      connection_scope: () => bambooScope,
      mapping_preview: () => bambooMapping,
      schedules: () => bambooSchedules,
      set_connection_schedule: () => null,
      route_preview: () => routePreview,
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: validate,
      connect: () => ({
        connectionId: 'c1',
        displayName: 'BambooHR',
        account: 'Bluebird Bakery & Café',
        details: ['Can read 25 employees'],
      }),
      sync_now: () => [
        {
          connectionId: 'c1',
          displayName: 'BambooHR',
          entities: [{ entity: 'employee', seen: 25, created: 25, updated: 0, deleted: 0, error: null }],
        },
      ],
    });
    const user = await openBambooForm();
    await user.type(screen.getByLabelText(/Company domain/), 'bluebird');
    await user.type(screen.getByLabelText(/API key/), 'abc123');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Test connection' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('Connected to Bluebird Bakery & Café.')).toBeInTheDocument();
    expect(screen.getByText('Can read 25 employees')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'connect')?.args).toMatchObject({
      request: { provider: 'bamboohr', values: { subdomain: 'bluebird', api_key: 'abc123' }, oauthClientId: null },
    });
    // What syncs, then the schedule, then the first sync.
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await screen.findByRole('radio', { name: /Every hour/ });
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await user.click(await screen.findByRole('button', { name: 'Run the first sync' }));
    expect(await screen.findByText('First sync done: 25 records.')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'sync_now')?.args).toEqual({ connection: 'c1' });
  });

  it('shows why a connection test failed, in the provider’s words', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: () => [],
      connect: () =>
        ipcError('validation', 'BambooHR did not accept these credentials (invalid key). Check them and try again.'),
    });
    const user = await openBambooForm();
    await user.type(screen.getByLabelText(/Company domain/), 'bluebird');
    await user.type(screen.getByLabelText(/API key/), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'That did not work: BambooHR did not accept these credentials (invalid key).',
    );
  });

  it('asks OAuth providers for a client id and explains the browser sign-in', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: () => [],
    });
    const user = userEvent.setup();
    renderApp();
    await user.click(await screen.findByRole('button', { name: /Connect your first tool/ }));
    await user.click(await screen.findByRole('button', { name: 'Payroll' }));
    await user.click(screen.getByRole('button', { name: /Gusto/ }));
    expect(screen.getByText(/signs you in through your web browser/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Test connection' })).toBeDisabled();
    await user.type(screen.getByLabelText(/OAuth client id/), 'client-1');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Test connection' })).toBeEnabled());
  });

  it('keeps sensitive data out unless the owner ticks the opt-in', async () => {
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: validate,
      connect: () => ({ connectionId: 'c1', displayName: 'BambooHR', account: 'Bluebird', details: [] }),
    });
    const user = await openBambooForm();
    const optIn = screen.getByRole('checkbox', { name: 'Sync sensitive data (SSN, birth date, bank numbers)' });
    expect(optIn).not.toBeChecked();
    expect(optIn).toHaveAccessibleDescription(/never copied to this computer/);
    await user.type(screen.getByTestId('field-subdomain'), 'bluebird');
    await user.type(screen.getByTestId('field-api_key'), 'abc123');
    await waitFor(() => expect(screen.getByTestId('wizard-test')).toBeEnabled());
    await user.click(optIn);
    await user.click(screen.getByTestId('wizard-test'));
    await screen.findByText('Connected to Bluebird.');
    expect(calls.find((c) => c.cmd === 'connect')?.args).toMatchObject({ request: { syncSensitive: true } });
  });

  it('sends the opt-in as off by default', async () => {
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: validate,
      connect: () => ({ connectionId: 'c1', displayName: 'BambooHR', account: 'Bluebird', details: [] }),
    });
    const user = await openBambooForm();
    expect(screen.queryByTestId('wizard-use-sandbox')).toBeNull();
    await user.type(screen.getByTestId('field-subdomain'), 'bluebird');
    await user.type(screen.getByTestId('field-api_key'), 'abc123');
    await waitFor(() => expect(screen.getByTestId('wizard-test')).toBeEnabled());
    await user.click(screen.getByTestId('wizard-test'));
    await screen.findByText('Connected to Bluebird.');
    expect(calls.find((c) => c.cmd === 'connect')?.args).toMatchObject({ request: { syncSensitive: false } });
  });

  it('fills an API-key form from the running demo sandbox; the owner still tests', async () => {
    const calls = mockCommands({
      app_state: () => ({ ...unlocked, demoRunning: true }),
      status: () => emptyStatus,
      connectors: () => connectorList,
      validate_connection_fields: validate,
      sandbox_credentials: () => ({
        baseUrl: 'http://127.0.0.1:41001/',
        values: { subdomain: 'bluebird', api_key: 'demo-key' },
        oauthClientId: null,
        oauthClientSecret: null,
      }),
    });
    const user = await openBambooForm();
    await user.click(await screen.findByTestId('wizard-use-sandbox'));
    expect(await screen.findByText('Filled in from the demo sandbox. Now test the connection.')).toBeInTheDocument();
    expect(screen.getByTestId('field-subdomain')).toHaveValue('bluebird');
    expect(screen.getByTestId('field-api_key')).toHaveValue('demo-key');
    expect(screen.getByTestId('field-base_url')).toHaveValue('http://127.0.0.1:41001/');
    expect(calls.some((c) => c.cmd === 'connect')).toBe(false);
    expect(calls.find((c) => c.cmd === 'sandbox_credentials')?.args).toEqual({ provider: 'bamboohr' });
  });

  it('shows a multi-line field (a PEM certificate) as a text area and sends its lines whole', async () => {
    const pem = {
      key: 'client_certificate',
      label: 'Client certificate (PEM)',
      help: 'Paste the whole .pem file ADP returned.',
      kind: 'secret' as const,
      required: true,
      example: null,
      default: null,
      multiline: true,
    };
    const bamboo = connectorList[0]!;
    const withPem = [{ ...bamboo, fields: [...bamboo.fields, pem] }, ...connectorList.slice(1)];
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => emptyStatus,
      connectors: () => withPem,
      validate_connection_fields: validate,
    });
    const user = await openBambooForm();
    const area = screen.getByLabelText(/Client certificate \(PEM\)/);
    expect(area.tagName).toBe('TEXTAREA');
    expect(area).toHaveAccessibleDescription(/whole \.pem file/);
    // The one-line fields stay inputs.
    expect(screen.getByLabelText(/API key/).tagName).toBe('INPUT');
    await user.type(area, '-----BEGIN CERTIFICATE-----{Enter}MIIB{Enter}-----END CERTIFICATE-----');
    await waitFor(() =>
      expect(
        (calls.filter((c) => c.cmd === 'validate_connection_fields').at(-1)?.args as { values: Record<string, string> })
          .values.client_certificate,
      ).toBe('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'),
    );
  });
});
