import { type FormEvent, useState } from 'react';
import { LanguagePicker } from '../../components/LanguagePicker.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import { Diagnostics } from './Diagnostics.tsx';
import { LocalApi } from './LocalApi.tsx';
import { Retention } from './Retention.tsx';
import { RouteChoices } from './RouteChoices.tsx';
import { Updates } from './Updates.tsx';
import type { ScheduleDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError, errorField } from '../../lib/ipc/errors.ts';
import {
  useAppState,
  useBackup,
  useChangePassphrase,
  useDesktopPrefs,
  useLock,
  useRestore,
  useSchedules,
  useSetDesktopPref,
  useSetSchedule,
  useSetSyncPaused,
} from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

function fieldError(error: unknown, field: string) {
  return errorField(error) === field ? describeIpcError(error) : null;
}

function ScheduleRow({ s }: { s: ScheduleDto }) {
  const { t, dateTime } = useI18n();
  const set = useSetSchedule();
  const [minutes, setMinutes] = useState(String(s.intervalMinutes));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number.parseInt(minutes, 10);
    set.mutate({ connectionId: s.connectionId, minutes: Number.isFinite(n) ? n : null });
  };
  const inputId = `interval-${s.connectionId}`;
  return (
    <li className="schedule" data-testid={`schedule-${s.connectionId}`}>
      <form onSubmit={submit} className="schedule-form">
        <label htmlFor={inputId}>{t('settings.every', { name: s.displayName })}</label>
        <input
          id={inputId}
          type="number"
          min={1}
          max={10080}
          inputMode="numeric"
          value={minutes}
          aria-describedby={`${inputId}-help`}
          onChange={(e) => setMinutes(e.target.value)}
        />
        <button type="submit" className="button" disabled={set.isPending}>
          {t('settings.saveInterval')}
        </button>
        {s.customInterval ? (
          <button
            type="button"
            className="button"
            disabled={set.isPending}
            onClick={() => {
              setMinutes(String(s.defaultIntervalMinutes));
              set.mutate({ connectionId: s.connectionId, minutes: null });
            }}
          >
            {t('settings.useDefault')}
          </button>
        ) : null}
      </form>
      <p id={`${inputId}-help`} className="help">
        {t('settings.default', { minutes: s.defaultIntervalMinutes })}
        {s.nextRunAt ? ` ${t('settings.nextRun', { when: dateTime(s.nextRunAt) })}` : ''}
      </p>
      {['needs_reconnect', 'backing_off', 'paused', 'paused_globally'].includes(s.state) ? (
        <p className="help warn-text">{t(`settings.state.${s.state}` as MessageKey)}</p>
      ) : null}
      {s.lastError ? <p className="error-detail small">{s.lastError}</p> : null}
      {set.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(set.error)}
        </p>
      ) : null}
    </li>
  );
}

function Syncing() {
  const { t } = useI18n();
  const schedules = useSchedules();
  const pause = useSetSyncPaused();
  if (schedules.isPending) return <p className="muted">{t('settings.schedulesLoading')}</p>;
  if (schedules.isError) return <ErrorBox title={t('settings.schedulesError')} error={schedules.error} />;
  const paused = schedules.data.pausedGlobally;
  return (
    <>
      <div className="row">
        <p role="status">{paused ? t('settings.paused') : t('settings.running')}</p>
        <button
          type="button"
          className={paused ? 'button primary' : 'button'}
          data-testid="settings-pause"
          disabled={pause.isPending}
          onClick={() => pause.mutate(!paused)}
        >
          {paused ? t('settings.resume') : t('settings.pause')}
        </button>
      </div>
      {pause.isError ? <ErrorBox title={t('settings.pause')} error={pause.error} /> : null}
      {schedules.data.connections.length === 0 ? (
        <p className="muted">{t('settings.noConnections')}</p>
      ) : (
        <ul className="plain stack">
          {schedules.data.connections.map((s) => (
            <ScheduleRow key={s.connectionId} s={s} />
          ))}
        </ul>
      )}
    </>
  );
}

function Prefs() {
  const { t } = useI18n();
  const prefs = useDesktopPrefs();
  const set = useSetDesktopPref();
  if (prefs.isPending) return <p className="muted">{t('common.loading')}</p>;
  if (prefs.isError) return <ErrorBox title={t('settings.app')} error={prefs.error} />;
  return (
    <>
      <div className="check">
        <input
          id="pref-notifications"
          type="checkbox"
          data-testid="settings-notifications"
          checked={prefs.data.notifications}
          disabled={set.isPending}
          onChange={(e) => set.mutate({ pref: 'notifications', on: e.target.checked })}
        />
        <label htmlFor="pref-notifications">{t('settings.notifications')}</label>
      </div>
      <div className="check">
        <input
          id="pref-autostart"
          type="checkbox"
          data-testid="settings-autostart"
          checked={prefs.data.autostart}
          disabled={set.isPending}
          onChange={(e) => set.mutate({ pref: 'autostart', on: e.target.checked })}
        />
        <label htmlFor="pref-autostart">{t('settings.autostart')}</label>
      </div>
      {set.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(set.error)}
        </p>
      ) : null}
      <LanguagePicker className="field lang-field" />
    </>
  );
}

function ChangePassphrase({ hasPassphrase }: { hasPassphrase: boolean }) {
  const { t } = useI18n();
  const change = useChangePassphrase();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate(
      { current: hasPassphrase ? current : null, next: next === '' ? null : next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
        },
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="change-title">
      <h3 id="change-title">{t('settings.changeKey')}</h3>
      {hasPassphrase ? (
        <Field
          label={t('settings.current')}
          type="password"
          value={current}
          onChange={setCurrent}
          required
          autoComplete="current-password"
          error={fieldError(change.error, 'current')}
        />
      ) : null}
      <Field
        label={t('settings.new')}
        help={t('settings.newHelp')}
        type="password"
        value={next}
        onChange={setNext}
        autoComplete="new-password"
        error={fieldError(change.error, 'new')}
      />
      <div className="actions actions-start">
        <button type="submit" className="button" disabled={change.isPending || (hasPassphrase && current === '')}>
          {change.isPending ? t('common.working') : t('settings.changeKey')}
        </button>
      </div>
      {change.isSuccess ? (
        <p role="status" className="success">
          {t('settings.changed')}
        </p>
      ) : null}
      {change.isError && !['current', 'new'].includes(errorField(change.error) ?? '') ? (
        <p role="alert" className="error-detail">
          {describeIpcError(change.error)}
        </p>
      ) : null}
    </form>
  );
}

function Backup() {
  const { t, number } = useI18n();
  const backup = useBackup();
  const [passphrase, setPassphrase] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    backup.mutate({ passphrase }, { onSuccess: (saved) => saved && setPassphrase('') });
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="backup-title">
      <h3 id="backup-title">{t('settings.backup')}</h3>
      <Field
        label={t('settings.backupPassphrase')}
        help={t('settings.backupPassphraseHelp')}
        type="password"
        value={passphrase}
        onChange={setPassphrase}
        required
        autoComplete="new-password"
        error={fieldError(backup.error, 'passphrase')}
      />
      <div className="actions actions-start">
        <button type="submit" className="button" data-testid="backup-save" disabled={backup.isPending || passphrase === ''}>
          {backup.isPending ? t('common.working') : t('settings.backupChoose')}
        </button>
      </div>
      {backup.isSuccess && backup.data ? (
        <p role="status" className="success">
          {t('settings.backupDone', { path: backup.data.path, entries: number(backup.data.entries) })}
        </p>
      ) : null}
      {backup.isError && errorField(backup.error) !== 'passphrase' ? (
        <p role="alert" className="error-detail">
          {describeIpcError(backup.error)}
        </p>
      ) : null}
    </form>
  );
}

function Restore() {
  const { t } = useI18n();
  const restore = useRestore();
  const [passphrase, setPassphrase] = useState('');
  const [next, setNext] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    restore.mutate({ passphrase, newPassphrase: next === '' ? null : next });
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="restore-title">
      <h3 id="restore-title">{t('settings.restore')}</h3>
      <p className="note">{t('settings.restoreWarn')}</p>
      <Field
        label={t('settings.backupPassphrase')}
        type="password"
        value={passphrase}
        onChange={setPassphrase}
        required
        error={fieldError(restore.error, 'path') ?? fieldError(restore.error, 'backup')}
      />
      <Field
        label={t('settings.restoreNew')}
        help={t('settings.newHelp')}
        type="password"
        value={next}
        onChange={setNext}
        autoComplete="new-password"
        error={fieldError(restore.error, 'new')}
      />
      <div className="actions actions-start">
        <button
          type="submit"
          className="button danger"
          disabled={restore.isPending || passphrase === ''}
        >
          {restore.isPending ? t('common.working') : t('settings.restoreChoose')}
        </button>
      </div>
      {restore.isSuccess && restore.data ? (
        <p role="status" className="success">
          {t('settings.restored', { path: restore.data.aside })}
          {restore.data.erasuresReapplied > 0
            ? ` ${t('settings.erasuresReapplied', { count: restore.data.erasuresReapplied })}`
            : null}
        </p>
      ) : null}
      {restore.isError && !['path', 'backup', 'new'].includes(errorField(restore.error) ?? '') ? (
        <p role="alert" className="error-detail">
          {describeIpcError(restore.error)}
        </p>
      ) : null}
    </form>
  );
}

/** Schedules, pause/resume, routes, desktop preferences, language and security. */
export function Settings() {
  const { t } = useI18n();
  const state = useAppState();
  const lock = useLock();
  const hasPassphrase = state.data?.keySource === 'passphrase';
  return (
    <div className="settings" data-testid="screen-settings">
      <header className="screen-head">
        <h1 tabIndex={-1}>{t('settings.title')}</h1>
      </header>
      <section className="card" aria-labelledby="sync-title">
        <h2 id="sync-title">{t('settings.sync')}</h2>
        <Syncing />
      </section>
      <RouteChoices />
      <section className="card" aria-labelledby="app-title">
        <h2 id="app-title">{t('settings.app')}</h2>
        <Prefs />
      </section>
      <LocalApi />
      <Retention />
      <Updates />
      <section className="card" aria-labelledby="security-title">
        <h2 id="security-title">{t('settings.security')}</h2>
        <div className="row">
          <p className="muted">{t('settings.lockHelp')}</p>
          <button
            type="button"
            className="button primary"
            data-testid="settings-lock"
            disabled={lock.isPending}
            onClick={() => lock.mutate()}
          >
            {t('settings.lock')}
          </button>
        </div>
        {lock.isError ? <ErrorBox title={t('settings.lock')} error={lock.error} /> : null}
        <div className="security-grid">
          <ChangePassphrase hasPassphrase={hasPassphrase} />
          <Backup />
          <Restore />
        </div>
      </section>
      <Diagnostics />
    </div>
  );
}
