import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { PlannedWriteDto } from '../../lib/ipc/bindings.ts';
import { useRouteChoices, useRoutePreview } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

/** Writes shown before "and N more". */
const SHOWN = 8;

function Write({ write }: { write: PlannedWriteDto }) {
  const { t, field } = useI18n();
  const badge = write.requiresApproval
    ? { className: 'badge badge-warn', text: t('wizard.previewWaits') }
    : write.state === 'new'
      ? { className: 'badge badge-info', text: t('wizard.previewAuto') }
      : { className: 'badge badge-info', text: t('wizard.previewQueued') };
  return (
    <li className="planned-write">
      <p>
        <span>{write.summary}</span> <span className={badge.className}>{badge.text}</span>
      </p>
      {write.changes.length > 0 ? (
        <ul className="small muted planned-changes">
          {write.changes.map((c) => (
            <li key={c.field}>
              {field(c.field)}: {c.before ?? '—'} → {c.after ?? '—'}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** After the first sync: what the routes would write to the other tools (a dry run). */
export function RoutePreview() {
  const { t, number, date, category } = useI18n();
  const preview = useRoutePreview(true);
  // Several tools of a kind and none chosen: the routes needing it wait, and say so.
  const unchosen = (useRouteChoices().data?.parts ?? []).filter((p) => p.needsChoice);
  return (
    <section className="route-preview" aria-labelledby="preview-title" data-testid="route-preview">
      <h3 id="preview-title">{t('wizard.previewTitle')}</h3>
      <p className="note">{t('wizard.previewNote')}</p>
      {preview.isPending ? (
        <p role="status" className="muted">
          {t('wizard.previewLoading')}
        </p>
      ) : null}
      {preview.isError ? (
        <ErrorBox
          title={t('wizard.previewError')}
          error={preview.error}
          onRetry={() => void preview.refetch()}
          retryLabel={t('wizard.retry')}
        />
      ) : null}
      {unchosen.map((p) => (
        <p key={p.category} className="warning" data-testid={`preview-choose-${p.category}`}>
          {t('wizard.previewChoose', { category: category(p.category) })}
        </p>
      ))}
      {preview.data ? (
        <>
          {preview.data.writes.length === 0 && !preview.data.hours && unchosen.length === 0 ? (
            <p className="muted">{t('wizard.previewEmpty')}</p>
          ) : null}
          {preview.data.writes.length > 0 ? (
            <ul className="planned-writes">
              {preview.data.writes.slice(0, SHOWN).map((w) => (
                <Write key={`${w.route}-${w.summary}`} write={w} />
              ))}
            </ul>
          ) : null}
          {preview.data.writes.length > SHOWN ? (
            <p className="muted small">{t('wizard.previewMore', { count: number(preview.data.writes.length - SHOWN) })}</p>
          ) : null}
          {preview.data.hours ? (
            <p>
              {t('wizard.previewHours', {
                start: date(preview.data.hours.periodStart),
                end: date(preview.data.hours.periodEnd),
                hours: preview.data.hours.totalHours,
                people: number(preview.data.hours.employees),
              })}{' '}
              {preview.data.hours.unmatched > 0
                ? t('wizard.previewUnmatched', { count: number(preview.data.hours.unmatched) })
                : null}
            </p>
          ) : null}
          {preview.data.skipped.length > 0 ? (
            <details>
              <summary>{t('wizard.previewSkipped', { count: number(preview.data.skipped.length) })}</summary>
              <ul className="small">
                {preview.data.skipped.map((s) => (
                  <li key={`${s.route}-${s.who}`}>
                    {s.who}: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
