import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ComplianceCalendarDto, ObligationDto } from '../../lib/ipc/bindings.ts';
import { ipcError, mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const overdue: ObligationDto = {
  id: 'final_pay:p1:2026-03-01',
  area: 'final_pay',
  title: 'Pay Omar Brooks their final wages',
  due: '2026-03-01',
  daysLeft: -4,
  urgency: 'overdue',
  rule: 'CA: discharged, on the last day; resigned, within 3 days.',
  source: 'Cal. Lab. Code §§ 201, 202',
  person: 'Omar Brooks',
  handledBy: null,
};

const q1: ObligationDto = {
  id: 'form941:2026-Q1',
  area: 'payroll_tax',
  title: 'File Form 941 for Q1 2026 (federal payroll taxes)',
  due: '2026-04-30',
  daysLeft: 56,
  urgency: 'upcoming',
  rule: 'Quarterly return due April 30',
  source: 'IRS Instructions for Form 941; IRS Publication 509; 26 U.S.C. 7503',
  person: null,
  handledBy: null,
};

const filedByGusto: ObligationDto = {
  id: 'form941:2025-Q4',
  area: 'payroll_tax',
  title: 'Gusto files this for you — check it was filed: File Form 941 for Q4 2025 (federal payroll taxes)',
  due: '2026-02-02',
  daysLeft: -31,
  urgency: 'info',
  rule: 'Quarterly return due January 31. Gusto files it as your full-service payroll',
  source: 'IRS Instructions for Form 941; Gusto',
  person: null,
  handledBy: 'Gusto',
};

const settings: ComplianceCalendarDto['settings'] = {
  companyState: 'CA',
  enrolmentOpens: null,
  enrolmentCloses: null,
  posters: [],
  depositSchedule: null,
  providerFilesTaxes: null,
};

describe('compliance calendar', () => {
  it('lists items in order with days left, shows why, and marks one done', async () => {
    const calls = mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [],
      compliance_calendar: () => ({ items: [overdue, q1], settings }),
      mark_compliance_done: () => ({ items: [q1], settings }),
    });
    renderApp();
    const section = await screen.findByTestId('compliance-calendar');
    const items = await within(section).findAllByTestId('cal-item');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveClass('cal-overdue');
    expect(items[0]).toHaveTextContent('Pay Omar Brooks their final wages');
    expect(items[0]).toHaveTextContent('4 days overdue');
    expect(items[1]).toHaveTextContent('in 56 days');
    const user = userEvent.setup();
    expect(within(items[0]!).queryByRole('note')).toBeNull();
    await user.click(within(items[0]!).getByRole('button', { name: 'Why?' }));
    expect(within(items[0]!).getByRole('note')).toHaveTextContent('Source: Cal. Lab. Code §§ 201, 202');
    await user.click(within(items[0]!).getByRole('button', { name: 'Mark done' }));
    await waitFor(() => expect(within(section).getAllByTestId('cal-item')).toHaveLength(1));
    expect(calls.find((c) => c.cmd === 'mark_compliance_done')?.args).toEqual({ id: overdue.id });
  });

  it('saves settings and shows a field error from the backend', async () => {
    let saved: unknown = null;
    mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [],
      compliance_calendar: () => ({ items: [q1], settings }),
      set_compliance_settings: (args) => {
        const s = (args as { settings: ComplianceCalendarDto['settings'] }).settings;
        if (s.enrolmentOpens && !s.enrolmentCloses) {
          return ipcError('validation', 'give the day open enrolment closes too', 'enrolmentCloses');
        }
        saved = s;
        return { items: [q1], settings: s };
      },
    });
    renderApp();
    const user = userEvent.setup();
    const section = await screen.findByTestId('compliance-calendar');
    await user.click(await within(section).findByRole('button', { name: 'Calendar settings' }));
    const form = within(section).getByRole('form', { name: 'Calendar settings' });
    expect(within(form).getByLabelText(/Company state/)).toHaveValue('CA');
    await user.type(within(form).getByLabelText('Open enrolment opens'), '2026-11-01');
    await user.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await within(form).findByText('give the day open enrolment closes too')).toBeInTheDocument();
    await user.type(within(form).getByLabelText('Open enrolment closes'), '2026-11-15');
    await user.click(within(form).getByRole('button', { name: 'Add a poster or policy' }));
    await user.type(within(form).getByLabelText('Name'), 'OSHA poster');
    await user.type(within(form).getByLabelText('Review on'), '2026-01-15');
    await user.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await within(form).findByText('Settings saved.')).toBeInTheDocument();
    expect(saved).toEqual({
      companyState: 'CA',
      enrolmentOpens: '2026-11-01',
      enrolmentCloses: '2026-11-15',
      depositSchedule: null,
      providerFilesTaxes: null,
      posters: [{ name: 'OSHA poster', reviewOn: '2026-01-15' }],
    });
    // "My payroll provider files these" turned off: saved as false.
    await user.selectOptions(
      within(form).getByLabelText('My payroll provider files federal payroll taxes (941, 940, W-2)'),
      'off',
    );
    await user.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect((saved as { providerFilesTaxes: boolean | null }).providerFilesTaxes).toBe(false));
  });

  it('shows an item the payroll provider files as information, not overdue', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [],
      compliance_calendar: () => ({ items: [filedByGusto, q1], settings }),
    });
    renderApp();
    const section = await screen.findByTestId('compliance-calendar');
    const items = await within(section).findAllByTestId('cal-item');
    expect(items[0]).toHaveClass('cal-info');
    expect(items[0]).not.toHaveClass('cal-overdue');
    expect(items[0]).toHaveTextContent('Gusto files this for you — check it was filed');
    expect(items[0]).toHaveTextContent('filed by Gusto');
    expect(items[0]).not.toHaveTextContent('overdue');
  });

  it('saves the .ics and speaks Spanish', async () => {
    mockCommands({
      app_state: () => unlocked,
      status: () => populatedStatus,
      alerts: () => [],
      compliance_calendar: () => ({ items: [overdue], settings }),
      save_compliance_calendar: () => ({ path: '/tmp/calendario.ics', entries: 1, bytes: 900 }),
    });
    renderApp('es');
    const section = await screen.findByTestId('compliance-calendar');
    expect(within(section).getByRole('heading', { name: 'Calendario de cumplimiento' })).toBeInTheDocument();
    expect(await within(section).findByText('vencido hace 4 días')).toBeInTheDocument();
    await userEvent.setup().click(within(section).getByRole('button', { name: 'Guardar como calendario (.ics)' }));
    expect(await within(section).findByText('Se guardaron 1 elementos en /tmp/calendario.ics.')).toBeInTheDocument();
  });
});
