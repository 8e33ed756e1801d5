import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ErasureDto } from '../../lib/ipc/bindings.ts';
import { ipcError, mockCommands, person, populatedStatus, renderApp, unlocked } from '../../test/fixtures.tsx';

const erased: ErasureDto = {
  erasureId: 'e-1',
  records: 9,
  versions: 31,
  auditEntriesBlanked: 2,
  otherRows: 1,
  stillHeld: [
    { provider: 'gusto', connection: 'Gusto', kind: 'employee', remoteId: 'g-ana', skipped: 0 },
    { provider: 'harvest', connection: 'Harvest', kind: 'time_entry', remoteId: '991', skipped: 0 },
  ],
};

async function open(answer: () => unknown) {
  const calls = mockCommands({
    app_state: () => unlocked,
    status: () => populatedStatus,
    alerts: () => [],
    people: () => [person],
    person_history: () => [],
    erase_person: answer,
  });
  renderApp('en');
  const user = userEvent.setup();
  await user.click(await screen.findByTestId('nav-people'));
  await user.click(await screen.findByTestId('person-id-ana'));
  return { calls, user };
}

describe('erase this person', () => {
  it('erases only once the name is typed, then lists what the tools still hold', async () => {
    const { calls, user } = await open(() => erased);
    await user.click(await screen.findByTestId('person-erase'));
    const go = screen.getByTestId('person-erase-go');
    expect(go).toBeDisabled();
    await user.type(screen.getByTestId('person-erase-confirm'), 'Ana Gar');
    expect(go).toBeDisabled();
    expect(calls.some((c) => c.cmd === 'erase_person')).toBe(false);
    await user.clear(screen.getByTestId('person-erase-confirm'));
    await user.type(screen.getByTestId('person-erase-confirm'), person.name.toUpperCase());
    expect(go).toBeEnabled();
    await user.click(go);
    const done = await screen.findByTestId('person-erased');
    expect(calls.find((c) => c.cmd === 'erase_person')?.args).toEqual({
      identityId: person.identityId,
      confirmName: person.name.toUpperCase(),
    });
    expect(done).toHaveTextContent('Erased: 9 records with 31 versions');
    expect(screen.getByTestId('person-erase-held')).toHaveTextContent('Still held at Gusto: employee g-ana');
    expect(screen.getByTestId('person-erase-held')).toHaveTextContent('Still held at Harvest: time_entry 991');
  });

  it('shows the backend’s refusal', async () => {
    const { user } = await open(() => ipcError('validation', 'type the person’s name exactly as shown to confirm', 'confirm'));
    await user.click(await screen.findByTestId('person-erase'));
    await user.type(screen.getByTestId('person-erase-confirm'), person.name);
    await user.click(screen.getByTestId('person-erase-go'));
    expect(await screen.findByRole('alert')).toHaveTextContent('exactly as shown');
  });
});
