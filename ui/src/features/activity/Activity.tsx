import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import type { AuditQuery, FileFormat } from '../../lib/ipc/bindings.ts';
import { describeIpcError, errorField } from '../../lib/ipc/errors.ts';
import { useAuditLog, useSaveAuditLog, useSyncRuns } from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';
import { ComplianceDocuments } from './ComplianceDocuments.tsx';

/** Audit entries listed on screen (saving writes all that match). */
const SHOWN = 200;

function Runs() {
  const { t, dateTime, entity, number } = useI18n();
  const runs = useSyncRuns();
  const [onlyFailed, setOnlyFailed] = useState(false);
  if (runs.isPending) return <p className="muted">{t('activity.runsLoading')}</p>;
  if (runs.isError) return <ErrorBox title={t('activity.runsError')} error={runs.error} />;
  if (runs.data.length === 0) return <p className="muted">{t('activity.noRuns')}</p>;
  const shown = onlyFailed ? runs.data.filter((r) => r.status === 'failed') : runs.data;
  const statusKey = (s: string): MessageKey =>
    s === 'failed' ? 'status.failed' : s === 'running' ? 'status.running' : 'status.succeeded';
  return (
    <>
      <div className="check">
        <input
          id="only-failed"
          type="checkbox"
          checked={onlyFailed}
          onChange={(e) => setOnlyFailed(e.target.checked)}
        />
        <label htmlFor="only-failed">{t('activity.onlyFailed')}</label>
      </div>
      {shown.length === 0 ? (
        <p className="muted">{t('activity.noFailed')}</p>
      ) : (
        <div className="table-wrap runs-wrap">
          <table className="table runs">
            <thead>
              <tr>
                <th scope="col">{t('activity.when')}</th>
                <th scope="col">{t('activity.connection')}</th>
                <th scope="col">{t('activity.entity')}</th>
                <th scope="col">{t('activity.result')}</th>
                <th scope="col">{t('activity.records')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id} className={r.status === 'failed' ? 'row-failed' : undefined} data-testid={`run-${r.id}`}>
                  <td>
                    <time dateTime={r.startedAt}>{dateTime(r.startedAt)}</time>
                  </td>
                  <td>{r.connection}</td>
                  <td>
                    {entity(r.entity)}{' '}
                    <span className="muted small">
                      ({t(r.mode === 'full' ? 'activity.mode.full' : 'activity.mode.incremental')})
                    </span>
                  </td>
                  <td>
                    <span className={`badge ${r.status === 'failed' ? 'badge-warn' : 'badge-ok'}`}>
                      {t(statusKey(r.status))}
                    </span>
                    {r.error ? <p className="error-detail small">{r.error}</p> : null}
                  </td>
                  <td className="small">
                    {t('activity.countsRow', {
                      seen: number(r.seen),
                      created: number(r.created),
                      updated: number(r.updated),
                      deleted: number(r.deleted),
                    })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function SaveLog({ query }: { query: AuditQuery }) {
  const { t, number } = useI18n();
  const save = useSaveAuditLog();
  const [format, setFormat] = useState<FileFormat>('csv');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ query, format });
  };
  return (
    <form className="form inline-form" onSubmit={submit} aria-labelledby="save-title">
      <h3 id="save-title">{t('activity.saveTitle')}</h3>
      <fieldset className="radios">
        <legend>{t('activity.format')}</legend>
        {(['csv', 'json'] as const).map((f) => (
          <label key={f}>
            <input
              type="radio"
              name="audit-format"
              value={f}
              checked={format === f}
              onChange={() => setFormat(f)}
            />{' '}
            {f.toUpperCase()}
          </label>
        ))}
      </fieldset>
      <div className="actions actions-start">
        <button type="submit" className="button primary" data-testid="audit-save" disabled={save.isPending}>
          {save.isPending ? t('common.working') : t('activity.save')}
        </button>
      </div>
      {save.isSuccess && save.data ? (
        <p role="status" className="success">
          {t('activity.saved', { count: number(save.data.entries), path: save.data.path })}
        </p>
      ) : null}
      {save.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(save.error)}
        </p>
      ) : null}
    </form>
  );
}

function Audit() {
  const { t, dateTime, number } = useI18n();
  const [draft, setDraft] = useState({ action: '', from: '', to: '' });
  const [query, setQuery] = useState<AuditQuery>({ action: null, from: null, to: null, limit: SHOWN });
  const log = useAuditLog(query);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const v = (s: string) => (s.trim() === '' ? null : s.trim());
    setQuery({ action: v(draft.action), from: v(draft.from), to: v(draft.to), limit: SHOWN });
  };
  const badField = errorField(log.error);
  return (
    <>
      <form className="filters" onSubmit={apply} aria-label={t('activity.audit')}>
        <Field
          label={t('activity.action')}
          help={t('activity.actionHelp')}
          value={draft.action}
          onChange={(action) => setDraft((d) => ({ ...d, action }))}
          testId="audit-action"
        />
        <Field
          label={t('activity.from')}
          inputType="date"
          value={draft.from}
          onChange={(from) => setDraft((d) => ({ ...d, from }))}
          testId="audit-from"
          error={badField === 'from' ? describeIpcError(log.error) : null}
        />
        <Field
          label={t('activity.to')}
          inputType="date"
          value={draft.to}
          onChange={(to) => setDraft((d) => ({ ...d, to }))}
          testId="audit-to"
          error={badField === 'to' ? describeIpcError(log.error) : null}
        />
        <div className="actions actions-end">
          <button type="submit" className="button" data-testid="audit-filter">
            {t('activity.apply')}
          </button>
        </div>
      </form>
      {log.isPending ? <p className="muted">{t('activity.auditLoading')}</p> : null}
      {log.isError && badField === null ? <ErrorBox title={t('activity.auditError')} error={log.error} /> : null}
      {log.isSuccess && log.data.length === 0 ? <p className="muted">{t('activity.noAudit')}</p> : null}
      {log.isSuccess && log.data.length > 0 ? (
        <>
          {log.data.length >= SHOWN ? (
            <p className="muted small">{t('activity.shown', { count: number(SHOWN) })}</p>
          ) : null}
          <div className="table-wrap audit-wrap">
            <table className="table audit">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('activity.when')}</th>
                  <th scope="col">{t('activity.actor')}</th>
                  <th scope="col">{t('activity.action')}</th>
                  <th scope="col">{t('activity.target')}</th>
                  <th scope="col">{t('activity.count')}</th>
                </tr>
              </thead>
              <tbody>
                {log.data.map((e) => (
                  <tr key={e.seq} data-testid={`audit-${e.seq}`}>
                    <td className="muted">{number(e.seq)}</td>
                    <td>
                      <time dateTime={e.at}>{dateTime(e.at)}</time>
                    </td>
                    <td>{e.actor}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td className="wrap" title={e.detail}>
                      {e.targetName ?? e.target}
                    </td>
                    <td>{number(e.recordCount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <SaveLog query={query} />
    </>
  );
}

/** Sync runs with their errors, and the audit log, filterable and exportable. */
export function Activity() {
  const { t } = useI18n();
  return (
    <div className="activity" data-testid="screen-activity">
      <header className="screen-head">
        <h1 tabIndex={-1}>{t('activity.title')}</h1>
      </header>
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">{t('activity.runs')}</h2>
        <Runs />
      </section>
      <section className="card" aria-labelledby="audit-title">
        <h2 id="audit-title">{t('activity.audit')}</h2>
        <p className="muted">{t('activity.auditIntro')}</p>
        <Audit />
      </section>
      <ComplianceDocuments />
    </div>
  );
}
