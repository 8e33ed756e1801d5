import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ComplianceDocsDto } from '../../lib/ipc/bindings.ts';
import { mockCommands, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const saved: ComplianceDocsDto = {
  folder: '/home/ana/compliance-documents-2026-12-07',
  files: ['roster.csv', 'roster.pdf', 'terminations.csv', 'terminations.pdf', 'pay-summaries.csv', 'pay-summaries.pdf'],
  people: 25,
  terminations: 1,
  payRows: 150,
};

async function open(answer: () => unknown, locale: 'en' | 'es' = 'en') {
  const calls = mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    sync_runs: () => [],
    audit_log: () => [],
    export_compliance_documents: answer,
  });
  renderApp(locale);
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-activity'));
  return { calls, user };
}

describe('documents for compliance', () => {
  it('writes the documents in one click and lists them', async () => {
    const { calls, user } = await open(() => saved);
    const card = await screen.findByTestId('compliance-docs');
    expect(card).toHaveTextContent('SSNs and birth dates are not in them');
    await user.click(within(card).getByTestId('compliance-docs-save'));
    const done = await screen.findByTestId('compliance-docs-done');
    expect(calls.filter((c) => c.cmd === 'export_compliance_documents')).toHaveLength(1);
    expect(done).toHaveTextContent('Saved 25 people, 1 terminations and 150 pay summaries in /home/ana/compliance-documents-2026-12-07');
    expect(done).toHaveTextContent('roster.pdf');
  });

  it('writes nothing and says nothing when the owner cancels', async () => {
    const { user } = await open(() => null);
    await user.click(await screen.findByTestId('compliance-docs-save'));
    await screen.findByTestId('compliance-docs-save');
    expect(screen.queryByTestId('compliance-docs-done')).not.toBeInTheDocument();
  });

  it('speaks Spanish', async () => {
    const { user } = await open(() => saved, 'es');
    await user.click(await screen.findByTestId('compliance-docs-save'));
    expect(await screen.findByTestId('compliance-docs-done')).toHaveTextContent('Se guardaron 25 personas');
  });
});
