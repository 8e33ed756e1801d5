import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { RouteChoiceDto, RouteChoicesDto } from '../../lib/ipc/bindings.ts';
import { mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const hireRoute: RouteChoiceDto = {
  route: 'hris_to_payroll',
  what: 'new hires and terminations',
  from: 'hris',
  to: 'payroll',
  enabled: true,
  fromConnection: 'BambooHR',
  toConnection: null,
};

const twoPayrolls: RouteChoicesDto = {
  approvePayChanges: true,
  paySchedule: null,
  parts: [
    {
      category: 'hris',
      chosen: null,
      inUse: 'c-bamboo',
      needsChoice: false,
      options: [{ connectionId: 'c-bamboo', displayName: 'BambooHR', provider: 'bamboohr', connectedOn: '2026-11-02' }],
    },
    {
      category: 'payroll',
      chosen: null,
      inUse: null,
      needsChoice: true,
      options: [
        { connectionId: 'c-gusto', displayName: 'Gusto', provider: 'gusto', connectedOn: '2026-11-02' },
        { connectionId: 'c-qbo', displayName: 'QuickBooks', provider: 'quickbooks', connectedOn: '2026-12-01' },
      ],
    },
    { category: 'time_tracking', chosen: null, inUse: null, needsChoice: false, options: [] },
    { category: 'background_checks', chosen: null, inUse: null, needsChoice: false, options: [] },
  ],
  routes: [hireRoute],
};

function base(choices: () => unknown, extra: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    schedules: () => ({ pausedGlobally: false, connections: [] }),
    desktop_prefs: () => ({ notifications: true, autostart: false }),
    route_choices: choices,
    ...extra,
  });
}

describe('settings → routes', () => {
  it('asks which payroll to use when two are connected, and saves the choice', async () => {
    const chosen: RouteChoicesDto = {
      ...twoPayrolls,
      parts: twoPayrolls.parts.map((p) =>
        p.category === 'payroll' ? { ...p, chosen: 'c-qbo', inUse: 'c-qbo', needsChoice: false } : p,
      ),
      routes: [{ ...hireRoute, toConnection: 'QuickBooks' }],
    };
    const calls = base(() => twoPayrolls, { choose_route_part: () => chosen });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const payroll = await screen.findByTestId('route-part-payroll');
    expect(within(payroll).getByText(/2 Payroll tools are connected and none is chosen/i)).toBeInTheDocument();
    // The one HRIS is used without a choice; kinds with nothing connected are not shown.
    expect(within(screen.getByTestId('route-part-hris')).getByRole('option', { name: 'BambooHR (the only one)' })).toBeInTheDocument();
    expect(screen.queryByTestId('route-part-time_tracking')).toBeNull();
    expect(screen.getByTestId('route-hris_to_payroll')).toHaveTextContent('BambooHR → Payroll (choose which one above)');

    await user.selectOptions(within(payroll).getByRole('combobox'), 'c-qbo');
    expect(calls.find((c) => c.cmd === 'choose_route_part')?.args).toEqual({ category: 'payroll', connectionId: 'c-qbo' });
    expect(await screen.findByText('BambooHR → QuickBooks: new hires and terminations')).toBeInTheDocument();
    expect(within(payroll).queryByText(/none is chosen/)).toBeNull();
  });

  it('turns a route off and pay approval off', async () => {
    const calls = base(() => twoPayrolls, {
      set_route_running: () => ({ ...twoPayrolls, routes: [{ ...hireRoute, enabled: false }] }),
      set_approve_pay_changes: () => ({ ...twoPayrolls, approvePayChanges: false }),
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const route = await screen.findByTestId('route-hris_to_payroll');
    await user.click(within(route).getByRole('checkbox'));
    expect(calls.find((c) => c.cmd === 'set_route_running')?.args).toEqual({ route: 'hris_to_payroll', enabled: false });
    await user.click(screen.getByRole('checkbox', { name: 'Changes to pay wait for my approval in Review' }));
    expect(calls.find((c) => c.cmd === 'set_approve_pay_changes')?.args).toEqual({ approve: false });
  });

  it('states a pay schedule for a payroll that publishes none', async () => {
    const calls = base(() => twoPayrolls, {
      set_pay_schedule: (args) => ({ ...twoPayrolls, paySchedule: args.schedule as string }),
    });
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const form = await screen.findByTestId('pay-schedule');
    await user.selectOptions(within(form).getByLabelText('Pay schedule'), 'biweekly');
    const start = within(form).getByLabelText('First day of any one pay period');
    await user.type(start, '2026-11-29');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(calls.find((c) => c.cmd === 'set_pay_schedule')?.args).toEqual({ schedule: 'biweekly:2026-11-29' });
    // Saved: the form shows what is stored.
    expect(await within(screen.getByTestId('pay-schedule')).findByDisplayValue('Every two weeks')).toBeInTheDocument();
  });
});
