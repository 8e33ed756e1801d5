import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  ipcError,
  mockCommands,
  payConflict,
  populatedStatus,
  renderApp,
  termination,
  unlocked,
} from '../../test/fixtures.tsx';

function base(extra: Record<string, (args: Record<string, unknown>) => unknown>) {
  return mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    ...extra,
  });
}

async function openReview() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-review'));
  return user;
}

describe('review', () => {
  it('shows a loading state', async () => {
    base({ review_queue: () => new Promise(() => {}) });
    renderApp();
    await openReview();
    expect(await screen.findByText('Loading the review queue…')).toBeInTheDocument();
    expect(screen.getByTestId('nav-review')).toHaveAttribute('aria-current', 'page');
  });

  it('shows an error in plain words', async () => {
    base({ review_queue: () => ipcError('busy', 'The store is busy; try again shortly.') });
    renderApp();
    await openReview();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The review queue could not load.');
    expect(alert).toHaveTextContent('The store is busy; try again shortly.');
  });

  it('says when nothing waits', async () => {
    base({});
    renderApp();
    await openReview();
    expect(await screen.findByText('No differences to settle.')).toBeInTheDocument();
    expect(screen.getByText('No changes waiting for approval.')).toBeInTheDocument();
  });

  it('shows each difference side by side with the last agreed value, and settles it', async () => {
    let open = true;
    const calls = base({
      review_queue: () => ({ conflicts: open ? [payConflict] : [], pendingWrites: [termination] }),
      resolve_conflict: () => {
        open = false;
        return { ...payConflict, status: 'resolved' };
      },
      approve_write: () => ({ ...termination, status: 'pending' }),
      reject_write: () => ({ ...termination, status: 'failed' }),
    });
    renderApp();
    const user = await openReview();
    const row = await screen.findByTestId('conflict-row-k1');
    expect(within(row).getByText('Ana Ortiz · Pay rate')).toBeInTheDocument();
    // Money exactly, per hour, in the locale's format; the suggestion comes first.
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual(['$21.00 per hour', '$22.50 per hour', '$20.00 per hour']);
    expect(within(row).getByText('Suggested')).toBeInTheDocument();
    expect(screen.getByTestId('nav-review')).toHaveTextContent('2');

    await user.click(within(row).getByTestId('conflict-approve-k1'));
    expect(calls.find((c) => c.cmd === 'resolve_conflict')?.args).toEqual({ id: 'k1', keep: 'c-gusto' });
    expect(await screen.findByText('No differences to settle.')).toBeInTheDocument();

    const write = screen.getByTestId('write-row-w1');
    expect(within(write).getByText('Terminate Bo Chen in Gusto')).toBeInTheDocument();
    expect(within(write).getByText('Terminated')).toBeInTheDocument();
    expect(within(write).getByText('Mar 15, 2025')).toBeInTheDocument();
    await user.click(within(write).getByTestId('write-reject-w1'));
    expect(calls.find((c) => c.cmd === 'reject_write')?.args).toEqual({ id: 'w1' });
    await user.click(within(write).getByTestId('write-approve-w1'));
    expect(calls.find((c) => c.cmd === 'approve_write')?.args).toEqual({ id: 'w1' });
  });

  it('formats money for Spanish', async () => {
    base({ review_queue: () => ({ conflicts: [payConflict], pendingWrites: [] }) });
    renderApp('es');
    await openReview();
    const row = await screen.findByTestId('conflict-row-k1');
    expect(within(row).getAllByRole('cell')[0]).toHaveTextContent(/^21,00\s(US\$|\$) por hora$/);
    expect(within(row).getByTestId('conflict-reject-k1')).toHaveTextContent('Conservar el valor de BambooHR');
  });
});
