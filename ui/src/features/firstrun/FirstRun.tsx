import { type FormEvent, useState } from 'react';
import { Field } from '../../components/Field.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { SyncProgressList } from '../../components/SyncProgressList.tsx';
import type { AppStateDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError, errorField } from '../../lib/ipc/errors.ts';
import { useCreateStore, useStartDemo, useSyncProgress, useUnlock } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

/** Shortest passphrase the store accepts (maestro-store `MIN_PASSPHRASE_CHARS`). */
export const MIN_PASSPHRASE = 12;

function PassphraseField({
  value,
  onChange,
  serverError,
  autoFocus,
  checkLength,
}: {
  value: string;
  onChange: (v: string) => void;
  serverError: string | null;
  autoFocus?: boolean;
  checkLength: boolean;
}) {
  const { t } = useI18n();
  const count = [...value].length;
  const short = checkLength && value !== '' && count < MIN_PASSPHRASE;
  return (
    <Field
      label={t('first.passphrase')}
      help={checkLength ? t('first.passphraseHelp') : undefined}
      type="password"
      name="passphrase"
      value={value}
      onChange={onChange}
      required
      autoFocus={autoFocus ?? false}
      autoComplete={checkLength ? 'new-password' : 'current-password'}
      error={short ? t('first.passphraseShort', { count }) : serverError}
      hint={checkLength && count >= MIN_PASSPHRASE ? t('first.passphraseOk') : null}
    />
  );
}

function CreateStore({ state }: { state: AppStateDto }) {
  const { t } = useI18n();
  const create = useCreateStore();
  const [company, setCompany] = useState('');
  const [useKeychain, setUseKeychain] = useState(state.keychainAvailable);
  const [passphrase, setPassphrase] = useState('');
  const needsPassphrase = !useKeychain;
  const valid =
    company.trim() !== '' && (!needsPassphrase || [...passphrase].length >= MIN_PASSPHRASE);
  const field = errorField(create.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    create.mutate({ company: company.trim(), passphrase: needsPassphrase ? passphrase : null });
  };

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">{t('first.createTitle')}</h2>
      <Field
        label={t('first.company')}
        help={t('first.companyHelp')}
        name="company"
        value={company}
        onChange={setCompany}
        required
        autoFocus
        error={field === 'company' ? describeIpcError(create.error) : null}
      />
      {state.keychainAvailable ? (
        <fieldset className="choice">
          <legend>{t('first.protect')}</legend>
          <label>
            <input type="radio" name="key" checked={useKeychain} onChange={() => setUseKeychain(true)} />
            {t('first.useKeychain')}
          </label>
          <label>
            <input type="radio" name="key" checked={!useKeychain} onChange={() => setUseKeychain(false)} />
            {t('first.usePassphrase')}
          </label>
        </fieldset>
      ) : (
        <p className="note">{t('first.noKeychain')}</p>
      )}
      {needsPassphrase ? (
        <PassphraseField
          value={passphrase}
          onChange={setPassphrase}
          checkLength
          serverError={field === 'passphrase' ? describeIpcError(create.error) : null}
        />
      ) : null}
      {create.isError && field !== 'company' && field !== 'passphrase' ? (
        <ErrorBox title={t('first.createFailed')} error={create.error} />
      ) : null}
      <div className="actions">
        <button type="submit" className="button primary" disabled={!valid || create.isPending}>
          {create.isPending ? t('first.creating') : t('first.create')}
        </button>
      </div>
      <p className="muted small">{t('first.where', { dir: state.dataDir })}</p>
    </form>
  );
}

function Unlock({ state }: { state: AppStateDto }) {
  const { t } = useI18n();
  const unlock = useUnlock();
  const [passphrase, setPassphrase] = useState('');
  const byKeychain = state.keySource === 'keychain';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    unlock.mutate(byKeychain ? null : passphrase);
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('first.unlockTitle')}</h2>
      {byKeychain ? (
        <p>{t('first.unlockKeychain')}</p>
      ) : (
        <PassphraseField
          value={passphrase}
          onChange={setPassphrase}
          autoFocus
          checkLength={false}
          serverError={unlock.isError ? describeIpcError(unlock.error) : null}
        />
      )}
      {byKeychain && unlock.isError ? <ErrorBox title={t('first.unlockTitle')} error={unlock.error} /> : null}
      <div className="actions">
        <button
          type="submit"
          className="button primary"
          disabled={unlock.isPending || (!byKeychain && passphrase === '')}
        >
          {unlock.isPending ? t('first.unlocking') : t('first.unlock')}
        </button>
      </div>
      <p className="muted small">{t('first.where', { dir: state.dataDir })}</p>
    </form>
  );
}

/** First run: create or unlock the encrypted store. */
export function FirstRun({ state }: { state: AppStateDto }) {
  const { t } = useI18n();
  return (
    <div className="narrow">
      <p className="lead">{t('first.welcome')}</p>
      {state.storeExists ? <Unlock state={state} /> : <CreateStore state={state} />}
    </div>
  );
}

/** After the first unlock with nothing connected: demo data, or the wizard. */
export function StartChoice({ onConnect, onDemoDone }: { onConnect: () => void; onDemoDone: () => void }) {
  const { t } = useI18n();
  const demo = useStartDemo();
  const runs = useSyncProgress(demo.isPending);
  return (
    <div className="narrow">
      <h2>{t('start.title')}</h2>
      <div className="choices">
        <button
          type="button"
          className="choice-card"
          disabled={demo.isPending}
          onClick={() => demo.mutate(undefined, { onSuccess: onDemoDone })}
        >
          <span className="choice-title">{t('start.demo')}</span>
          <span className="choice-help">{t('start.demoHelp')}</span>
        </button>
        <button type="button" className="choice-card" disabled={demo.isPending} onClick={onConnect}>
          <span className="choice-title">{t('start.connect')}</span>
          <span className="choice-help">{t('start.connectHelp')}</span>
        </button>
      </div>
      {demo.isPending ? (
        <p role="status" className="muted">
          {t('start.demoRunning')}
        </p>
      ) : null}
      <SyncProgressList runs={runs} />
      {demo.isError ? <ErrorBox title={t('start.demo')} error={demo.error} /> : null}
    </div>
  );
}
