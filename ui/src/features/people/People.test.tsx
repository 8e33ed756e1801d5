import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  history,
  ipcError,
  mockCommands,
  otherPerson,
  person,
  populatedStatus,
  renderApp,
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

async function openPeople() {
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-people'));
  return user;
}

describe('people', () => {
  it('shows a loading state', async () => {
    base({ people: () => new Promise(() => {}) });
    renderApp();
    await openPeople();
    expect(await screen.findByText('Loading people…')).toBeInTheDocument();
    expect(screen.getByTestId('nav-people')).toHaveAttribute('aria-current', 'page');
  });

  it('shows an error in plain words with a retry', async () => {
    base({ people: () => ipcError('busy', 'The store is busy; try again shortly.') });
    renderApp();
    await openPeople();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The people list could not load.');
    expect(alert).toHaveTextContent('The store is busy; try again shortly.');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('says what to do when nobody is synced yet', async () => {
    base({ people: () => [] });
    renderApp();
    await openPeople();
    expect(await screen.findByText('No people yet. Connect an HR or payroll tool and sync.')).toBeInTheDocument();
  });

  it('lists people, shows each value with its source and history, and confirms or splits links', async () => {
    const calls = base({
      people: () => [person, otherPerson],
      person_history: () => history,
      confirm_link: () => null,
      split_link: () => 'id-new',
    });
    renderApp();
    const user = await openPeople();
    expect(await screen.findByText('2 people')).toBeInTheDocument();
    await user.type(screen.getByRole('searchbox', { name: 'Search by name or email' }), 'bo@');
    expect(screen.getByText('1 person')).toBeInTheDocument();
    await user.clear(screen.getByRole('searchbox'));
    await user.click(screen.getByTestId('person-id-ana'));

    const title = screen.getByTestId('person-field-job_title');
    expect(within(title).getByText('Head Baker')).toBeInTheDocument();
    expect(within(title).getByText('Tools differ')).toBeInTheDocument();
    expect(within(title).getByText('BambooHR')).toBeInTheDocument();
    expect(within(title).getByRole('listitem')).toHaveTextContent('Gusto Baker');

    const pay = screen.getByTestId('person-field-pay_rate');
    expect(within(pay).getByText('$22.50 per hour')).toBeInTheDocument();
    expect(within(pay).getByRole('listitem')).toHaveTextContent('BambooHR $1,234.50 per week');

    const timeline = await screen.findByTestId('person-history');
    expect(within(timeline).getByText('Job changed in BambooHR')).toBeInTheDocument();
    expect(within(timeline).getByText('changed (hidden: sensitive)')).toBeInTheDocument();
    expect(within(timeline).queryByText(/\d{3}-\d{2}-\d{4}/)).toBeNull();

    expect(screen.getByText(/Suggested match: please check · by name and birth date, 70% sure/)).toBeInTheDocument();
    await user.click(screen.getByTestId('link-confirm-r-ana-gusto'));
    expect(calls.find((c) => c.cmd === 'confirm_link')?.args).toEqual({ recordId: 'r-ana-gusto' });
    await user.click(screen.getByTestId('link-split-r-ana-gusto'));
    expect(calls.find((c) => c.cmd === 'split_link')?.args).toEqual({ recordId: 'r-ana-gusto' });
  });

  it("shows each background check's tool, package, status, dates and report link, never its contents", async () => {
    base({ people: () => [person, otherPerson], person_history: () => [] });
    renderApp();
    const user = await openPeople();
    await user.click(await screen.findByTestId('person-id-ana'));
    const table = screen.getByTestId('person-checks');
    const pending = within(table).getByTestId('check-r-ana-check');
    expect(pending).toHaveTextContent('Checkr');
    expect(pending).toHaveTextContent('tasker_standard');
    expect(pending).toHaveTextContent('Pending');
    const link = within(pending).getByRole('link', { name: 'Open in Checkr' });
    expect(link).toHaveAttribute('href', 'https://dashboard.checkr.com/candidates/e44aa283528e6fde7d542194');
    const done = within(table).getByTestId('check-r-ana-old-check');
    expect(done).toHaveTextContent('GoodHire');
    expect(done).toHaveTextContent('Complete: needs review');
    expect(done).toHaveTextContent('GoodHire gives no link: report 7f2c');
    expect(within(done).queryByRole('link')).toBeNull();
    // Newest first, as the app sends them.
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toBe(pending);
    await user.click(screen.getByTestId('person-id-bo'));
    expect(screen.getByText('No background checks for this person.')).toBeInTheDocument();
  });

  it('speaks Spanish', async () => {
    base({ people: () => [person], person_history: () => [] });
    renderApp('es');
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('nav-people'));
    await user.click(await screen.findByTestId('person-id-ana'));
    expect(screen.getByRole('heading', { level: 1, name: 'Personas' })).toBeInTheDocument();
    expect(within(screen.getByTestId('person-field-job_title')).getByText('Puesto')).toBeInTheDocument();
    expect(within(screen.getByTestId('person-field-pay_rate')).getByText(/^22,50\s(US\$|\$) por hora$/)).toBeInTheDocument();
    expect(await screen.findByText('Aún no hay historial.')).toBeInTheDocument();
    expect(within(screen.getByTestId('check-r-ana-old-check')).getByText('Terminada: requiere revisión')).toBeInTheDocument();
  });
});
