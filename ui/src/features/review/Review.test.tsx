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

  it('shows a background check order as what it orders, what it costs and who is emailed', async () => {
    const order = {
      id: 'w2',
      summary:
        "Order a Checkr 'tasker_standard' check for Jane Doe — costs money (29.00 USD each); Jane will get an email from Checkr to consent",
      connectionId: 'c-checkr',
      target: 'Checkr',
      operation: 'order_background_check',
      status: 'awaiting_approval',
      changes: [
        { field: 'candidate', before: null, after: { text: 'Jane Doe', money: null } },
        { field: 'email', before: null, after: { text: 'jane.doe@home.example', money: null } },
        { field: 'work_location', before: null, after: { text: 'Oakland, CA, US', money: null } },
        { field: 'package', before: null, after: { text: 'Tasker Standard (tasker_standard)', money: null } },
        { field: 'price', before: null, after: { text: '29.00 USD', money: null } },
      ],
      createdAt: '2026-03-02T09:00:00Z',
    };
    const calls = base({
      review_queue: () => ({ conflicts: [], pendingWrites: [order] }),
      approve_write: () => ({ ...order, status: 'pending' }),
    });
    renderApp();
    const user = await openReview();
    const write = await screen.findByTestId('write-row-w2');
    expect(within(write).getByRole('heading', { name: /Order a Checkr 'tasker_standard' check for Jane Doe — costs money/ })).toBeInTheDocument();
    const rows = within(write)
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.textContent);
    expect(rows).toEqual([
      'Candidate—Jane Doe',
      'Email—jane.doe@home.example',
      'Work location—Oakland, CA, US',
      'Package—Tasker Standard (tasker_standard)',
      'Price—29.00 USD',
    ]);
    await user.click(within(write).getByTestId('write-approve-w2'));
    expect(calls.find((c) => c.cmd === 'approve_write')?.args).toEqual({ id: 'w2' });
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
