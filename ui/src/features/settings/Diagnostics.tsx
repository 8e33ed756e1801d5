/**
 * Settings → "Save diagnostics": one redacted file for support (versions, counts, connection
 * statuses, recent syncs and errors, the latest log lines), saved where the owner chooses in
 * the system's save dialog.
 */
import { SaveButton, SaveError } from '../../components/SaveAction.tsx';
import { useSaveDiagnostics } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

export function Diagnostics() {
  const { t, number } = useI18n();
  const save = useSaveDiagnostics();
  return (
    <section className="card" aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title">{t('settings.diagnostics')}</h2>
      <div className="row">
        <p className="muted">{t('settings.diagnosticsHelp')}</p>
        <SaveButton
          save={save}
          testId="diagnostics-save"
          label={t('settings.diagnosticsSave')}
          onClick={() => save.mutate()}
        />
      </div>
      {save.isSuccess && save.data ? (
        <p role="status" className="success">
          {t('settings.diagnosticsDone', {
            path: save.data.path,
            syncRuns: number(save.data.syncRuns),
            logLines: number(save.data.logLines),
          })}
        </p>
      ) : null}
      <SaveError save={save} />
    </section>
  );
}
