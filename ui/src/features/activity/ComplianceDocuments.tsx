import { useExportComplianceDocuments } from '../../lib/ipc/queries.ts';
import { SaveButton, SaveError } from '../../components/SaveAction.tsx';
import { useI18n } from '../../lib/i18n.tsx';

/**
 * "Documents for compliance": the roster, terminations and pay summaries as CSV and PDF in a
 * folder the owner names, for a compliance provider (ComplianceHR, HR360) or an auditor. No
 * SSNs or birth dates are in them; the export is in the audit log.
 */
export function ComplianceDocuments() {
  const { t, number } = useI18n();
  const save = useExportComplianceDocuments();
  return (
    <section className="card" aria-labelledby="compliance-docs-title" data-testid="compliance-docs">
      <h2 id="compliance-docs-title">{t('activity.complianceDocs')}</h2>
      <p className="muted">{t('activity.complianceDocs.intro')}</p>
      <div className="actions actions-start">
        <SaveButton
          save={save}
          primary
          testId="compliance-docs-save"
          label={t('activity.complianceDocs.save')}
          onClick={() => save.mutate()}
        />
      </div>
      {save.isSuccess && save.data ? (
        <div role="status" className="success" data-testid="compliance-docs-done">
          <p>
            {t('activity.complianceDocs.done', {
              people: number(save.data.people),
              terminations: number(save.data.terminations),
              pay: number(save.data.payRows),
              folder: save.data.folder,
            })}
          </p>
          <p className="small">{save.data.files.join(', ')}</p>
        </div>
      ) : null}
      <SaveError save={save} />
    </section>
  );
}
