import { useExportPersonData } from '../../lib/ipc/queries.ts';
import { SaveButton, SaveError } from '../../components/SaveAction.tsx';
import { useI18n } from '../../lib/i18n.tsx';

/**
 * "Export this person's data": everything held about the person (every version of every
 * record from every tool, their links, conflicts, queued writes, alerts and the audit entries
 * that touched them) as JSON plus a printable HTML page, where the owner chooses in the
 * system's save dialog. Cancelling the dialog is not an error.
 */
export function PersonExport({ identityId }: { identityId: string }) {
  const { t, number } = useI18n();
  const save = useExportPersonData();
  return (
    <div className="person-export">
      <p className="muted small">{t('people.export.intro')}</p>
      <div className="actions actions-start">
        <SaveButton
          save={save}
          testId="person-export"
          label={t('people.export')}
          onClick={() => save.mutate(identityId)}
        />
      </div>
      {save.isSuccess && save.data ? (
        <p role="status" className="success" data-testid="person-export-done">
          {t('people.export.done', {
            records: number(save.data.records),
            versions: number(save.data.versions),
            json: save.data.json,
            html: save.data.html,
          })}
        </p>
      ) : null}
      <SaveError save={save} />
    </div>
  );
}
