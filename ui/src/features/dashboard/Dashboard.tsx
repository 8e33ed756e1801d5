import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import { SyncProgressList } from '../../components/SyncProgressList.tsx';
import type { AlertDto, ConnectionCard as Card } from '../../lib/ipc/bindings.ts';
import { describeIpcError } from '../../lib/ipc/errors.ts';
import {
  useAlerts,
  useConnectors,
  useDailyActivity,
  useReconnect,
  useScreenReady,
  useStatus,
  useSyncNow,
  useSyncProgress,
} from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';
import type { Navigate } from '../../app/navigation.ts';
import { ActivityChart } from './ActivityChart.tsx';
import { ComplianceCalendar } from './ComplianceCalendar.tsx';
import { RecordsChart } from './RecordsChart.tsx';

/** Days shown in the activity chart. */
const ACTIVITY_DAYS = 14;

function ConnectionCard({ card }: { card: Card }) {
  const { t, dateTime, number } = useI18n();
  const total = card.records.reduce((n, r) => n + r.count, 0);
  const last = card.lastSync;
  return (
    <li className={`conn${card.needsAttention ? ' conn-attention' : ''}`} aria-label={card.displayName}>
      <div className="conn-head">
        <h3>{card.displayName}</h3>
        {card.needsAttention ? (
          <span className="badge badge-warn">{t('dash.needsAttention')}</span>
        ) : (
          <span className="badge badge-ok">{t('dash.ok')}</span>
        )}
      </div>
      <p className="conn-records">{t('dash.records', { count: number(total) })}</p>
      <p className="muted small">
        {last
          ? `${t('dash.lastSync')}: ${dateTime(last.finishedAt ?? last.startedAt)}${
              last.status === 'succeeded'
                ? ''
                : ` · ${t(last.status === 'failed' ? 'status.failed' : 'status.running')}`
            }`
          : t('dash.never')}
      </p>
    </li>
  );
}

function ReconnectForm({ alert, onClose }: { alert: AlertDto; onClose: () => void }) {
  const { t } = useI18n();
  const connectors = useConnectors();
  const reconnect = useReconnect();
  const connector = connectors.data?.find((c) => c.id === alert.provider);
  const secretFields = connector?.fields.filter((f) => f.kind === 'secret') ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const name = connector?.name ?? alert.provider ?? '';
  // Until the connector's fields are known there is nothing to save.
  const complete = secretFields.length > 0 && secretFields.every((f) => (values[f.key] ?? '').trim() !== '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!alert.connectionId || !complete) return;
    reconnect.mutate({ connectionId: alert.connectionId, values });
  };

  if (reconnect.isSuccess) {
    return (
      <div role="status" className="success">
        <p className="success-title">{t('dash.reconnected', { account: reconnect.data.account })}</p>
      </div>
    );
  }
  return (
    <form className="form reconnect" onSubmit={submit} aria-label={t('dash.reconnectTitle', { name })}>
      {connectors.isPending ? <p className="muted">{t('common.loading')}</p> : null}
      {connectors.isError ? <ErrorBox title={t('dash.reconnectTitle', { name })} error={connectors.error} /> : null}
      {secretFields.map((f, i) => (
        <Field
          key={f.key}
          label={f.label}
          help={f.help}
          type="password"
          required
          autoFocus={i === 0}
          value={values[f.key] ?? ''}
          onChange={(v) => setValues((prev) => ({ ...prev, [f.key]: v }))}
        />
      ))}
      {reconnect.isError ? (
        <div role="alert" className="error">
          <p className="error-detail">{describeIpcError(reconnect.error)}</p>
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={onClose}>
          {t('wizard.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={!complete || reconnect.isPending}>
          {t('dash.reconnectSave')}
        </button>
      </div>
    </form>
  );
}

/** Retry: syncs the alert's connection now and says how it went. */
function RetryButton({ alert }: { alert: AlertDto }) {
  const { t } = useI18n();
  const sync = useSyncNow();
  return (
    <>
      <button
        type="button"
        className="button primary"
        data-testid="alert-fix-retry"
        disabled={sync.isPending || !alert.connectionId}
        onClick={() => sync.mutate(alert.connectionId)}
      >
        {sync.isPending ? t('dash.syncing') : t('dash.retry')}
      </button>
      {sync.isSuccess ? (
        <p role="status" className="muted small">
          {t('dash.retried')}
        </p>
      ) : null}
      {sync.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(sync.error)}
        </p>
      ) : null}
    </>
  );
}

function AlertsFeed({ onNavigate }: { onNavigate: Navigate }) {
  const { t, dateTime } = useI18n();
  const alerts = useAlerts();
  const [fixing, setFixing] = useState<string | null>(null);
  if (alerts.isPending) return <p className="muted">{t('dash.loading')}</p>;
  if (alerts.isError) return <ErrorBox title={t('dash.alerts')} error={alerts.error} />;
  if (alerts.data.length === 0) return <p className="muted">{t('dash.noAlerts')}</p>;
  return (
    <ul className="alerts">
      {alerts.data.map((a) => (
        <li key={a.id} className={`alert alert-${a.severity}`}>
          <div className="alert-head">
            <strong>{a.title}</strong>
            <span className="muted small">{dateTime(a.raisedAt)}</span>
          </div>
          <p>{a.detail}</p>
          {a.action === 'reconnect' && a.connectionId ? (
            fixing === a.id ? (
              <ReconnectForm alert={a} onClose={() => setFixing(null)} />
            ) : (
              <button
                type="button"
                className="button primary"
                data-testid="alert-fix-reconnect"
                onClick={() => setFixing(a.id)}
              >
                {t('dash.reconnect')}
              </button>
            )
          ) : null}
          {a.action === 'retry' && a.connectionId ? <RetryButton alert={a} /> : null}
          {a.action === 'review' ? (
            <div className="actions actions-start">
              {a.recordId ? (
                <button
                  type="button"
                  className="button primary"
                  data-testid="alert-fix-open"
                  onClick={() => onNavigate('people', { personRecord: a.recordId ?? undefined })}
                >
                  {t('dash.openPerson')}
                </button>
              ) : null}
              <button
                type="button"
                className={a.recordId ? 'button' : 'button primary'}
                data-testid="alert-fix-review"
                onClick={() => onNavigate('review')}
              >
                {t('dash.review')}
              </button>
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The dashboard: connections, records, alerts. */
export function Dashboard({
  onAddConnection,
  onNavigate,
}: {
  onAddConnection: () => void;
  onNavigate: Navigate;
}) {
  const { t, number } = useI18n();
  const status = useStatus();
  const alerts = useAlerts();
  const activity = useDailyActivity(ACTIVITY_DAYS);
  const sync = useSyncNow();
  const runs = useSyncProgress(sync.isPending);
  useScreenReady('dashboard', status.isSuccess);

  if (status.isPending) {
    return (
      <p role="status" className="muted" data-testid="screen-dashboard">
        {t('dash.loading')}
      </p>
    );
  }
  if (status.isError) {
    return (
      <ErrorBox
        testId="screen-dashboard"
        title={t('dash.error')}
        error={status.error}
        onRetry={() => void status.refetch()}
        retryLabel={t('app.retry')}
      />
    );
  }
  const s = status.data;
  // Problems go first; when all is clear the feed sits beside the chart.
  const urgent = (alerts.data?.length ?? 0) > 0;
  const alertsCard = (
    <section className="card" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('dash.alerts')}</h2>
      <AlertsFeed onNavigate={onNavigate} />
    </section>
  );
  return (
    <div className="dashboard" data-testid="screen-dashboard">
      <header className="dash-head">
        <h1 tabIndex={-1}>{t('dash.title', { company: s.company })}</h1>
        <div className="actions">
          <button type="button" className="button" onClick={onAddConnection}>
            {t('dash.addConnection')}
          </button>
          <button
            type="button"
            className="button primary"
            disabled={sync.isPending || s.connections.length === 0}
            onClick={() => sync.mutate(null)}
          >
            {sync.isPending ? t('dash.syncing') : t('dash.syncAll')}
          </button>
        </div>
      </header>
      <SyncProgressList runs={runs} />
      {sync.isError ? <ErrorBox title={t('dash.syncAll')} error={sync.error} /> : null}

      {urgent ? alertsCard : null}
      <section aria-labelledby="conn-title">
        <h2 id="conn-title">{t('dash.connections')}</h2>
        {s.connections.length === 0 ? (
          <p className="muted">{t('dash.noConnections')}</p>
        ) : (
          <ul className="conns">
            {s.connections.map((c) => (
              <ConnectionCard key={c.id} card={c} />
            ))}
          </ul>
        )}
      </section>

      <div className={urgent ? 'dash-grid dash-grid-single' : 'dash-grid'}>
        {urgent ? null : alertsCard}
        <section className="card" aria-labelledby="activity-heading">
          <h2 id="activity-heading">{t('dash.activityTitle', { days: ACTIVITY_DAYS })}</h2>
          {activity.isPending ? <p className="muted">{t('common.loading')}</p> : null}
          {activity.isError ? <ErrorBox title={t('dash.activityTitle', { days: ACTIVITY_DAYS })} error={activity.error} /> : null}
          {activity.isSuccess ? <ActivityChart days={activity.data} /> : null}
        </section>
      </div>
      <ComplianceCalendar />
      <section className="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">{t('dash.chartTitle')}</h2>
        <RecordsChart records={s.records} />
      </section>
      <p className="muted small footer-note">
        {t('dash.key', {
          cipher: `SQLCipher ${s.cipherVersion}`,
          source: s.keySource === 'keychain' ? t('dash.keychain') : t('dash.passphraseKey'),
          entries: number(s.auditEntries),
        })}
      </p>
    </div>
  );
}
