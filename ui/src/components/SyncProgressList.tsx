import type { SyncProgress } from '../lib/ipc/bindings.ts';
import { useI18n } from '../lib/i18n.tsx';

/** Live per-entity progress of the syncs running now. */
export function SyncProgressList({ runs }: { runs: SyncProgress[] }) {
  const { t, entity, number } = useI18n();
  if (runs.length === 0) return null;
  return (
    <section className="progress" aria-label={t('progress.title')} data-testid="sync-progress">
      <ul aria-live="polite">
        {runs.map((r) => (
          <li key={r.runId} className={`progress-row phase-${r.phase}`}>
            <span className="dot" aria-hidden="true" />
            {r.phase === 'failed'
              ? t('progress.failed', { entity: entity(r.entity), error: r.error ?? '' })
              : t('progress.row', {
                  entity: entity(r.entity),
                  seen: number(r.seen),
                  created: number(r.created),
                  updated: number(r.updated),
                })}
          </li>
        ))}
      </ul>
    </section>
  );
}
