import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { RetentionRuleDto } from '../../lib/ipc/bindings.ts';
import { ipcError, mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const rules: RetentionRuleDto[] = [
  { kind: 'time_entry', period: '3y', default: '3y', source: 'FLSA 29 CFR 516.5 and FMLA 29 CFR 825.500: 3 years' },
  { kind: 'pay_statement', period: '4y', default: '4y', source: 'IRS Publication 15 (Circular E): employment tax records 4 years' },
];

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    schedules: () => ({ pausedGlobally: false, connections: [] }),
    desktop_prefs: () => ({ notifications: true, autostart: false }),
    gusto_webhook_tokens: () => [],
    retention_policy: () => rules,
    ...extra,
  });
}

describe('data retention', () => {
  it('shows each kind with its source, saves a new period and purges on request', async () => {
    const calls = base({
      set_retention: () => rules,
      purge_retention: () => ['purged 12 versions of 3 time entries'],
    });
    renderApp('en');
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const table = await screen.findByTestId('retention-rules');
    expect(table).toHaveTextContent('29 CFR 516.5');
    expect(table).toHaveTextContent('IRS Publication 15');
    const input = screen.getByTestId('retention-time_entry');
    await user.clear(input);
    await user.type(input, '2y');
    await user.tab();
    expect(calls.find((c) => c.cmd === 'set_retention')?.args).toEqual({ kind: 'time_entry', period: '2y' });
    await user.click(screen.getByTestId('retention-purge'));
    expect(await screen.findByTestId('retention-purged')).toHaveTextContent('purged 12 versions of 3 time entries');
  });

  it('names a period it cannot read', async () => {
    base({ set_retention: () => ipcError('validation', '"soon" is not a period: write e.g. 4y, 18m, 400d or 3y6m', 'period') });
    renderApp('en');
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-settings'));
    const input = await screen.findByTestId('retention-pay_statement');
    await user.clear(input);
    await user.type(input, 'soon');
    await user.tab();
    expect(await screen.findByText(/is not a period/)).toBeInTheDocument();
  });
});
