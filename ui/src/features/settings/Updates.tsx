import { ErrorBox } from '../../components/ErrorBox.tsx';
import { UpdateOffer } from '../../components/UpdateBanner.tsx';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';
import { useCheckForUpdate, useSetUpdatePrefs, useUpdateStatus } from '../../lib/ipc/queries.ts';

/** How often the owner can have the app look for updates, in hours. */
const INTERVALS = [6, 12, 24, 48, 168] as const;

const INSTALLED_AS: Record<string, MessageKey> = {
  deb: 'update.viaDeb',
  rpm: 'update.viaRpm',
  appimage: 'update.viaAppImage',
  msi: 'update.viaWindows',
  nsis: 'update.viaWindows',
  app: 'update.viaMac',
};

/** Settings → Updates: the version running, automatic checks, "Check now" and the offer. */
export function Updates() {
  const { t, dateTime } = useI18n();
  const status = useUpdateStatus();
  const setPrefs = useSetUpdatePrefs();
  const check = useCheckForUpdate();
  if (!status.data) {
    return status.isError ? <ErrorBox title={t('update.title')} error={status.error} /> : null;
  }
  const s = status.data;
  const how = INSTALLED_AS[s.installedAs];
  return (
    <section className="card" aria-labelledby="updates-title" data-testid="settings-updates">
      <h2 id="updates-title">{t('update.title')}</h2>
      <div className="row">
        <p>
          {t('update.running', { version: s.currentVersion })}{' '}
          <span className="muted">{how ? t(how) : t('update.viaSource')}</span>
        </p>
        <button
          type="button"
          className="button"
          data-testid="update-check"
          disabled={check.isPending || s.installing}
          onClick={() => check.mutate()}
        >
          {check.isPending ? t('update.checking') : t('update.checkNow')}
        </button>
      </div>
      <div className="row">
        <label>
          <input
            type="checkbox"
            checked={s.prefs.check}
            disabled={setPrefs.isPending}
            onChange={(e) => setPrefs.mutate({ ...s.prefs, check: e.target.checked })}
          />{' '}
          {t('update.auto')}
        </label>
        <label>
          {t('update.every')}{' '}
          <select
            value={s.prefs.everyHours}
            disabled={!s.prefs.check || setPrefs.isPending}
            onChange={(e) => setPrefs.mutate({ ...s.prefs, everyHours: Number(e.target.value) })}
          >
            {INTERVALS.map((h) => (
              <option key={h} value={h}>
                {h === 168 ? t('update.week') : t('update.hours', { count: h })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {setPrefs.isError ? <ErrorBox title={t('update.title')} error={setPrefs.error} /> : null}
      {check.isError ? <ErrorBox title={t('update.checkFailed')} error={check.error} /> : null}
      {!check.isError && s.lastError ? (
        <div role="alert" className="error">
          <p className="error-detail">{s.lastError}</p>
        </div>
      ) : null}
      {s.available ? (
        <UpdateOffer update={s.available} syncsRunning={s.syncsRunning} />
      ) : s.lastChecked && !s.lastError ? (
        <p className="muted" data-testid="update-newest">
          {t('update.newest', { when: dateTime(s.lastChecked) })}
        </p>
      ) : null}
    </section>
  );
}
