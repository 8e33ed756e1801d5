import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PersonBenefitsDto } from '../../lib/ipc/bindings.ts';
import { mockCommands, person, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const usd = (amount: string) => ({ amount, currency: 'USD', period: null });

const benefits: PersonBenefitsDto = {
  enrollments: [
    {
      plan: '401(k) Retirement Plan',
      kind: 'retirement',
      status: 'active',
      employeeAmount: null,
      employeePercent: '4',
      companyAmount: null,
      companyPercent: '3',
      coverageStart: '2024-01-01',
      coverageEnd: null,
      deductionStart: '2024-01-01',
      deductionEnd: null,
      provider: 'bamboohr',
      connection: 'BambooHR',
      deductedAs: '401(k)',
    },
    {
      plan: 'Kaiser Silver 70',
      kind: 'medical',
      status: 'active',
      employeeAmount: usd('125.00'),
      employeePercent: null,
      companyAmount: usd('250.00'),
      companyPercent: null,
      coverageStart: '2024-01-01',
      coverageEnd: null,
      deductionStart: '2024-01-01',
      deductionEnd: null,
      provider: 'bamboohr',
      connection: 'BambooHR',
      deductedAs: null,
    },
  ],
  payroll: {
    provider: 'gusto',
    connection: 'Gusto',
    periodStart: '2026-11-15',
    periodEnd: '2026-11-28',
    checkDate: '2026-12-04',
    deductions: [
      { name: '401(k)', amount: usd('120.00'), kind: 'retirement', matched: true },
      { name: 'Vision Plus', amount: usd('9.50'), kind: 'vision', matched: false },
      { name: 'Child Support', amount: usd('50.00'), kind: null, matched: false },
    ],
  },
};

async function open(data: () => unknown, locale: 'en' | 'es' = 'en') {
  const calls = mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    people: () => [person],
    person_history: () => [],
    person_benefits: data,
  });
  renderApp(locale);
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-people'));
  await user.click(await screen.findByTestId('person-id-ana'));
  return calls;
}

describe('person benefits', () => {
  it('shows each enrollment with its source next to what payroll deducts', async () => {
    const calls = await open(() => benefits);
    const box = await screen.findByTestId('person-benefits');
    expect(calls.find((c) => c.cmd === 'person_benefits')?.args).toEqual({ identityId: 'id-ana' });
    const rows = within(box).getAllByTestId('benefit-enrollment');
    expect(rows).toHaveLength(2);
    const [saver, medical] = rows as [HTMLElement, HTMLElement];
    // A share of pay reads as a percentage, never as money.
    expect(saver).toHaveTextContent('4% of pay');
    expect(saver).toHaveTextContent('3% of pay');
    expect(saver).toHaveTextContent('Deducted as “401(k)”');
    expect(within(saver).getByText('BambooHR')).toBeInTheDocument();
    // Money with its currency; enrolled but not deducted is flagged.
    expect(medical).toHaveTextContent('$125.00');
    expect(medical).toHaveTextContent('$250.00');
    expect(medical).toHaveTextContent('Enrolled');
    expect(medical).toHaveTextContent('Coverage Jan 1, 2024 – open');
    expect(within(medical).getByText('Not on the latest pay statement')).toBeInTheDocument();
    expect(box).toHaveTextContent('What Gusto deducted for Nov 15, 2026 – Nov 28, 2026');
    const lines = within(box).getByTestId('payroll-deductions');
    expect(lines).toHaveTextContent('Vision Plus: $9.50 No enrollment explains this');
    expect(lines).toHaveTextContent('Child Support: $50.00 Not a benefit');
  });

  it('says when there is nothing', async () => {
    await open(() => ({ enrollments: [], payroll: null }));
    expect(await screen.findByText('No benefit enrollments in the connected tools.')).toBeInTheDocument();
  });

  it('speaks Spanish', async () => {
    await open(() => benefits, 'es');
    const box = await screen.findByTestId('person-benefits');
    expect(box).toHaveTextContent('4 % del sueldo');
    expect(box).toHaveTextContent('Ninguna inscripción lo explica');
  });
});
