import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  type Handler,
  bambooConnected,
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
import type { Locale } from '../../lib/i18n.tsx';

/** Everything the steps after a successful test read, answered with the fixtures. */
function handlers(overrides: Record<string, Handler> = {}) {
  return {
    app_state: () => unlocked,
    status: () => emptyStatus,
    connectors: () => connectorList,
    validate_connection_fields: () => [],
    connect: () => bambooConnected,
    connection_scope: () => bambooScope,
    mapping_preview: () => bambooMapping,
    schedules: () => bambooSchedules,
    set_connection_schedule: () => null,
    sync_now: () => [
      {
        connectionId: 'c1',
        displayName: 'BambooHR',
        entities: [{ entity: 'employee', seen: 25, created: 25, updated: 0, deleted: 0, error: null }],
      },
    ],
    route_preview: () => routePreview,
    ...overrides,
  };
}

/** Through the first three steps to a successful test. */
async function connectBamboo(locale: Locale = 'en') {
  const user = userEvent.setup();
  renderApp(locale);
  const en = locale === 'en';
  await user.click(await screen.findByRole('button', { name: en ? /Connect your first tool/ : /Conecta tu primera/ }));
  await user.click(await screen.findByRole('button', { name: en ? 'HR system' : 'Sistema de RR. HH.' }));
  await user.click(screen.getByRole('button', { name: /BambooHR/ }));
  await user.type(screen.getByTestId('field-subdomain'), 'bluebird');
  await user.type(screen.getByTestId('field-api_key'), 'abc123');
  await waitFor(() => expect(screen.getByTestId('wizard-test')).toBeEnabled());
  await user.click(screen.getByTestId('wizard-test'));
  return user;
}

describe('wizard: what syncs', () => {
  it('lists the entities and the routes with their direction, and saves changes', async () => {
    const calls = mockCommands(
      handlers({
        set_entity_reads: (args) => ({
          ...bambooScope,
          entities: bambooScope.entities.map((e) => ({ ...e, read: !(args.skip as string[]).includes(e.kind) })),
        }),
        set_connection_route: (args) => ({
          ...bambooScope,
          routes: bambooScope.routes.map((r) => ({ ...r, enabled: args.enabled as boolean })),
        }),
      }),
    );
    const user = await connectBamboo();
    expect(await screen.findByText('Connected to Bluebird Bakery & Café.')).toBeInTheDocument();
    expect(screen.getByText('Step 3 of 5')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'What syncs from BambooHR' })).toHaveFocus();
    const departments = screen.getByRole('checkbox', { name: 'Departments' });
    expect(departments).toBeChecked();
    expect(departments).toHaveAccessibleDescription('in full every time');
    const route = screen.getByRole('checkbox', { name: 'BambooHR → Gusto: new hires and terminations' });
    expect(route).toBeChecked();
    expect(route).toHaveAccessibleDescription(/Changes to pay wait for your approval in Review/);

    await user.click(departments);
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Departments' })).not.toBeChecked());
    expect(calls.find((c) => c.cmd === 'set_entity_reads')?.args).toEqual({ connectionId: 'c1', skip: ['department'] });

    await user.click(route);
    await waitFor(() => expect(screen.getByRole('checkbox', { name: /new hires/ })).not.toBeChecked());
    expect(calls.find((c) => c.cmd === 'set_connection_route')?.args).toEqual({
      connectionId: 'c1',
      route: 'hris_to_payroll',
      enabled: false,
      useThis: true,
    });
  });

  it('offers to use the new connection when the company has another of its kind', async () => {
    const calls = mockCommands(
      handlers({
        connection_scope: () => ({
          ...bambooScope,
          routes: [{ ...bambooScope.routes[0]!, from: null, usesThis: false, alternatives: ['BambooHR (old)'] }],
        }),
        set_connection_route: () => bambooScope,
      }),
    );
    const user = await connectBamboo();
    expect(
      await screen.findByRole('checkbox', { name: 'HR system (choose which one below) → Gusto: new hires and terminations' }),
    ).toBeChecked();
    await user.click(screen.getByRole('checkbox', { name: 'Use BambooHR for this route (instead of BambooHR (old))' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'set_connection_route')).toBe(true));
    expect(calls.find((c) => c.cmd === 'set_connection_route')?.args).toMatchObject({ useThis: true, enabled: true });
  });

  it('shows the field mapping of real sample records, custom fields and masked values included', async () => {
    const calls = mockCommands(handlers());
    await connectBamboo();
    const table = await screen.findByTestId('mapping-101');
    expect(calls.find((c) => c.cmd === 'mapping_preview')?.args).toEqual({ connectionId: 'c1', entityKind: 'employee' });
    expect(screen.getByText('25 records on the first page; showing 2.')).toBeInTheDocument();
    const row = (name: string) => within(table).getByRole('row', { name: new RegExp(`^${name}`) });
    expect(row('firstName')).toHaveTextContent('Rafael');
    expect(row('firstName')).toHaveTextContent('First name first_name');
    expect(row('birthDate')).toHaveTextContent('••••••hidden');
    expect(row('birthDate')).not.toHaveTextContent(/19\d\d/);
    expect(row('customShirtSize')).toHaveTextContent('Custom field: kept in the raw record, not mapped');
    expect(row('division')).toHaveTextContent('Kept in the raw record, not mapped');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'BambooHR field',
      'Value',
      'Becomes',
    ]);
  });

  it('previews another entity when the owner picks it', async () => {
    const calls = mockCommands(handlers({ mapping_preview: () => ({ ...bambooMapping, samples: [] }) }));
    const user = await connectBamboo();
    expect(await screen.findByText('BambooHR has no employees yet, so there is nothing to preview.')).toBeInTheDocument();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Show the fields of' }), 'department');
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === 'mapping_preview').at(-1)?.args).toEqual({
        connectionId: 'c1',
        entityKind: 'department',
      }),
    );
  });

  it('says when the connection is in no route', async () => {
    mockCommands(handlers({ connection_scope: () => ({ ...bambooScope, routes: [] }) }));
    await connectBamboo();
    expect(
      await screen.findByText(/BambooHR takes part in no route yet: its records are kept here/),
    ).toBeInTheDocument();
  });

  it('shows a loading state while it reads what the connection can share', async () => {
    mockCommands(handlers({ connection_scope: () => new Promise(() => {}) }));
    await connectBamboo();
    expect(await screen.findByText('Reading what BambooHR can share…')).toBeInTheDocument();
    // The owner is never stuck: the defaults (everything on) apply.
    expect(screen.getByTestId('wizard-next')).toBeEnabled();
  });

  it('shows errors in plain words, with a retry', async () => {
    let scopeCalls = 0;
    mockCommands(
      handlers({
        connection_scope: () => {
          scopeCalls += 1;
          return scopeCalls === 1 ? ipcError('internal', 'The store is busy.') : bambooScope;
        },
        mapping_preview: () => ipcError('provider_unavailable', 'BambooHR is not answering right now.'),
      }),
    );
    const user = await connectBamboo();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load what this connection syncs.');
    expect(alert).toHaveTextContent('The store is busy.');
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('checkbox', { name: 'Employees' })).toBeChecked();
    const mappingAlert = await screen.findByRole('alert');
    expect(mappingAlert).toHaveTextContent('Could not read a sample from BambooHR.');
    expect(mappingAlert).toHaveTextContent('BambooHR is not answering right now.');
  });
});

describe('wizard: the background-check route', () => {
  const checkRoute = {
    route: 'hris_to_background_checks',
    role: 'source',
    what: 'a background check for each new hire',
    from: 'BambooHR',
    to: 'Checkr',
    otherCategory: 'background_checks',
    enabled: true,
    usesThis: true,
    alternatives: [],
    needsApproval: true,
  };
  const packages = {
    provider: 'Checkr',
    packages: [
      { id: 'tasker_standard', name: 'Tasker Standard', price: '29.00 USD', screenings: ['ssn_trace'] },
      { id: 'driver_pro', name: 'Driver Pro', price: '55.00 USD', screenings: ['motor_vehicle_report'] },
    ],
    chosen: null,
    hiredSince: null,
  };

  it('lets the owner pick the package from the provider and says orders wait for approval', async () => {
    const calls = mockCommands(
      handlers({
        connection_scope: () => ({ ...bambooScope, routes: [...bambooScope.routes, checkRoute] }),
        check_packages: () => packages,
        set_check_package: (args) => ({ ...packages, chosen: args.packageId, hiredSince: '2026-03-02' }),
      }),
    );
    const user = await connectBamboo();
    const route = await screen.findByRole('checkbox', {
      name: 'BambooHR → Checkr: a background check for each new hire',
    });
    expect(route).toHaveAccessibleDescription(/Every order costs money and waits for your approval in Review/);
    const select = await screen.findByRole('combobox', { name: 'Package to order' });
    expect(select).toHaveValue('');
    expect(within(select).getByRole('option', { name: 'Tasker Standard — 29.00 USD per check' })).toBeInTheDocument();
    expect(screen.getByText(/From Checkr’s own list. Nothing is ordered until you choose one./)).toBeInTheDocument();
    await user.selectOptions(select, 'driver_pro');
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Package to order' })).toHaveValue('driver_pro'));
    expect(calls.find((c) => c.cmd === 'set_check_package')?.args).toEqual({ packageId: 'driver_pro' });
    expect(screen.getByText(/People hired from Mar 2, 2026 on get an order./)).toBeInTheDocument();
  });

  it('shows why the packages could not be read', async () => {
    mockCommands(
      handlers({
        connection_scope: () => ({ ...bambooScope, routes: [...bambooScope.routes, checkRoute] }),
        check_packages: () => ipcError('provider_unavailable', 'Checkr is not answering right now.'),
      }),
    );
    await connectBamboo();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not read the packages');
    expect(alert).toHaveTextContent('Checkr is not answering right now.');
  });
});

describe('wizard: schedule and first sync', () => {
  it('pre-selects the provider default and saves the choice', async () => {
    const calls = mockCommands(handlers());
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    expect(await screen.findByText('Step 4 of 5')).toBeInTheDocument();
    const hourly = await screen.findByRole('radio', { name: /Every hour \(recommended for BambooHR\)/ });
    expect(hourly).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Paused (only when I press “Sync now”)' }));
    await user.click(screen.getByTestId('wizard-next'));
    expect(await screen.findByText('Step 5 of 5')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'set_connection_schedule')?.args).toEqual({
      connectionId: 'c1',
      intervalMinutes: null,
      paused: true,
    });
  });

  it('saves another interval, and offers to skip when the schedule cannot load', async () => {
    const calls = mockCommands(handlers());
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    await user.click(await screen.findByRole('radio', { name: 'Once a day' }));
    await user.click(screen.getByTestId('wizard-next'));
    await screen.findByText('Step 5 of 5');
    expect(calls.find((c) => c.cmd === 'set_connection_schedule')?.args).toEqual({
      connectionId: 'c1',
      intervalMinutes: 1440,
      paused: false,
    });
  });

  it('lets the owner skip the schedule when it cannot load', async () => {
    const calls = mockCommands(handlers({ schedules: () => ipcError('internal', 'The store is busy.') }));
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the schedule.');
    await user.click(screen.getByRole('button', { name: 'Skip for now' }));
    expect(await screen.findByText('Step 5 of 5')).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === 'set_connection_schedule')).toBe(false);
  });

  it('after the first sync, previews what the routes would write and what waits for approval', async () => {
    const calls = mockCommands(handlers());
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    await screen.findByRole('radio', { name: /Every hour/ });
    await user.click(screen.getByTestId('wizard-next'));
    expect(calls.some((c) => c.cmd === 'route_preview')).toBe(false);
    await user.click(await screen.findByTestId('wizard-connect'));
    expect(await screen.findByText('First sync done: 25 records.')).toBeInTheDocument();
    const preview = await screen.findByTestId('route-preview');
    expect(preview).toHaveTextContent(
      'Nothing has been written. Anything that changes pay is written only after you approve it in Review.',
    );
    const termination = await within(preview).findByText('Terminate Bo Chen in Gusto');
    expect(termination.parentElement).toHaveTextContent('Waits for your approval in Review');
    expect(within(preview).getByText('Create Ana Ortiz <ana@bluebird.test> in Gusto').parentElement).toHaveTextContent(
      'Written on the next run',
    );
    expect(within(preview).getByText('1 left out, and why')).toBeInTheDocument();
  });

  it('says when the routes have nothing to write, and shows a preview error', async () => {
    mockCommands(handlers({ route_preview: () => ({ writes: [], skipped: [], hours: null, notes: [] }) }));
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    await screen.findByRole('radio', { name: /Every hour/ });
    await user.click(screen.getByTestId('wizard-next'));
    await user.click(await screen.findByTestId('wizard-connect'));
    expect(await screen.findByText('The routes have nothing to write right now.')).toBeInTheDocument();
  });

  it('shows a preview error in plain words', async () => {
    mockCommands(
      handlers({
        route_preview: () =>
          ipcError('validation', 'this company has several HRIS connections (BambooHR, BambooHR); choose one'),
      }),
    );
    const user = await connectBamboo();
    await user.click(await screen.findByTestId('wizard-next'));
    await screen.findByRole('radio', { name: /Every hour/ });
    await user.click(screen.getByTestId('wizard-next'));
    await user.click(await screen.findByTestId('wizard-connect'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not preview what the routes would write.');
    expect(alert).toHaveTextContent('several HRIS connections');
  });
});

describe('wizard steps in Spanish', () => {
  it('words what syncs, the mapping and the schedule in Spanish', async () => {
    mockCommands(handlers());
    const user = await connectBamboo('es');
    expect(await screen.findByRole('heading', { name: 'Qué se sincroniza desde BambooHR' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'BambooHR → Gusto: altas y bajas' })).toBeChecked();
    expect(await screen.findByText('Campo personalizado: se guarda en el registro original, sin correspondencia')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Continuar' }));
    expect(await screen.findByRole('radio', { name: /Cada hora/ })).toBeChecked();
  });
});
