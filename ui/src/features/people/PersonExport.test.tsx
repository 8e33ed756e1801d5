import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PersonExportDto } from '../../lib/ipc/bindings.ts';
import { mockCommands, person, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const saved: PersonExportDto = {
  json: '/home/ana/person-0a1b2c3d-2026-12-07.json',
  html: '/home/ana/person-0a1b2c3d-2026-12-07.html',
  records: 42,
  versions: 57,
  auditEntries: 12,
};

async function open(answer: () => unknown, locale: 'en' | 'es' = 'en') {
  const calls = mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    people: () => [person],
    person_history: () => [],
    export_person_data: answer,
  });
  renderApp(locale);
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-people'));
  await user.click(await screen.findByTestId('person-id-ana'));
  return { calls, user };
}

describe('export this person’s data', () => {
  it('asks the backend for the chosen person and says where the files went', async () => {
    const { calls, user } = await open(() => saved);
    expect(screen.getByText(/hand it over securely/)).toBeInTheDocument();
    await user.click(await screen.findByTestId('person-export'));
    const done = await screen.findByTestId('person-export-done');
    expect(calls.find((c) => c.cmd === 'export_person_data')?.args).toEqual({ identityId: 'id-ana' });
    expect(done).toHaveTextContent('Saved 42 records with 57 versions');
    expect(done).toHaveTextContent(saved.json);
    expect(done).toHaveTextContent(saved.html);
  });

  it('says nothing when the owner cancels the dialog', async () => {
    const { calls, user } = await open(() => null);
    await user.click(await screen.findByTestId('person-export'));
    await screen.findByTestId('person-export');
    expect(calls.some((c) => c.cmd === 'export_person_data')).toBe(true);
    expect(screen.queryByTestId('person-export-done')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows an error in plain words', async () => {
    const { user } = await open(() =>
      Promise.reject({ code: 'not_found', message: 'this person is no longer in the roster; refresh the list', field: null }),
    );
    await user.click(await screen.findByTestId('person-export'));
    expect(await screen.findByRole('alert')).toHaveTextContent('no longer in the roster');
  });

  it('speaks Spanish', async () => {
    const { user } = await open(() => saved, 'es');
    await user.click(await screen.findByTestId('person-export'));
    expect(await screen.findByTestId('person-export-done')).toHaveTextContent('Se guardaron 42 registros con 57 versiones');
  });
});
