import { useState } from 'react';
import { describeIpcError } from '../../lib/ipc/errors.ts';
import { useErasePerson } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

/**
 * "Erase this person": removes every record of theirs from every tool's data on this computer,
 * every version and every trace; the audit chain still verifies. It cannot be undone, so the
 * owner types the person's name to confirm (the backend checks it too). Afterwards it lists
 * what each tool still holds: erasing here does not reach the tools.
 */
export function PersonErase({ identityId, name }: { identityId: string; name: string }) {
  const { t, number } = useI18n();
  const erase = useErasePerson();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const matches = typed.trim().toLowerCase() === name.trim().toLowerCase();

  if (erase.isSuccess) {
    const r = erase.data;
    return (
      <div className="person-erase" data-testid="person-erased">
        <p role="status" className="success">
          {t('people.erase.done', {
            records: number(r.records),
            versions: number(r.versions),
            audit: number(r.auditEntriesBlanked),
          })}
        </p>
        {r.stillHeld.length > 0 ? (
          <>
            <p className="muted small">{t('people.erase.stillHeld')}</p>
            <ul className="plain" data-testid="person-erase-held">
              {r.stillHeld.map((h) => (
                <li key={`${h.connection}-${h.kind}-${h.remoteId}`}>
                  {t('people.erase.heldAt', { connection: h.connection, kind: h.kind, id: h.remoteId })}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    );
  }

  return (
    <div className="person-erase">
      <p className="muted small">{t('people.erase.intro')}</p>
      {open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (matches) erase.mutate({ identityId, confirmName: typed });
          }}
        >
          <label htmlFor="erase-confirm">{t('people.erase.typeName', { name })}</label>
          <input
            id="erase-confirm"
            data-testid="person-erase-confirm"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <div className="actions actions-start">
            <button
              type="submit"
              className="button danger"
              data-testid="person-erase-go"
              disabled={!matches || erase.isPending}
            >
              {erase.isPending ? t('common.working') : t('people.erase.confirm')}
            </button>
            <button type="button" className="button secondary" onClick={() => setOpen(false)}>
              {t('people.erase.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions actions-start">
          <button type="button" className="button danger" data-testid="person-erase" onClick={() => setOpen(true)}>
            {t('people.erase')}
          </button>
        </div>
      )}
      {erase.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(erase.error)}
        </p>
      ) : null}
    </div>
  );
}
