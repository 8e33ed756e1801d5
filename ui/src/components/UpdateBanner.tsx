import { useState } from 'react';
import { ErrorBox } from './ErrorBox.tsx';
import type { AvailableUpdate } from '../lib/ipc/bindings.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useInstallUpdate, useUpdateStatus } from '../lib/ipc/queries.ts';
import './update.css';

/**
 * "Version X is available": what changed, and installing it — only after the owner confirms,
 * and never while a sync runs (the backend refuses then; the button waits too). Shared by the
 * app-wide banner and Settings → Updates.
 */
export function UpdateOffer({
  update,
  syncsRunning,
  onLater,
}: {
  update: AvailableUpdate;
  syncsRunning: number;
  onLater?: () => void;
}) {
  const { t, date } = useI18n();
  const install = useInstallUpdate();
  const [confirming, setConfirming] = useState(false);
  if (install.isSuccess) {
    return (
      <p role="status" className="update-title" data-testid="update-restarting">
        {t('update.restarting', { version: install.data })}
      </p>
    );
  }
  return (
    <>
      <p className="update-title" data-testid="update-available">
        {t('update.available', { version: update.version })}{' '}
        <span className="muted">
          {update.published
            ? t('update.currentPublished', { current: update.currentVersion, date: date(update.published) })
            : t('update.current', { current: update.currentVersion })}
        </span>
      </p>
      {update.notes ? (
        <details className="update-notes" open>
          <summary>{t('update.whatChanged')}</summary>
          <p data-testid="update-notes">{update.notes}</p>
        </details>
      ) : null}
      {syncsRunning > 0 ? (
        <p className="update-wait" role="status">
          {t('update.syncRunning')}
        </p>
      ) : null}
      {confirming ? (
        <div className="row">
          <p className="update-confirm">{t('update.confirm', { version: update.version })}</p>
          <div className="actions">
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              {t('update.cancel')}
            </button>
            <button
              type="button"
              className="button primary"
              data-testid="update-install-now"
              disabled={install.isPending || syncsRunning > 0}
              onClick={() => install.mutate()}
            >
              {install.isPending ? t('update.installing') : t('update.installNow')}
            </button>
          </div>
        </div>
      ) : (
        <div className="actions actions-start">
          <button
            type="button"
            className="button primary"
            data-testid="update-install"
            disabled={syncsRunning > 0}
            onClick={() => setConfirming(true)}
          >
            {t('update.install', { version: update.version })}
          </button>
          {onLater ? (
            <button type="button" className="button" onClick={onLater}>
              {t('update.later')}
            </button>
          ) : null}
        </div>
      )}
      {install.isError ? <ErrorBox title={t('update.installFailed')} error={install.error} /> : null}
    </>
  );
}

/** Shown above every screen while an update is available, until the owner says "Later". */
export function UpdateBanner() {
  const { t } = useI18n();
  const status = useUpdateStatus();
  const [later, setLater] = useState<string | null>(null);
  const update = status.data?.available;
  if (!update || later === update.version) return null;
  return (
    <section className="update-banner" aria-label={t('update.bannerLabel')} data-testid="update-banner">
      <UpdateOffer
        update={update}
        syncsRunning={status.data?.syncsRunning ?? 0}
        onLater={() => setLater(update.version)}
      />
    </section>
  );
}
