import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { FieldMappingDto, SampleRecordDto } from '../../lib/ipc/bindings.ts';
import { useMappingPreview } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

function Becomes({ field }: { field: FieldMappingDto }) {
  const { t, field: fieldName } = useI18n();
  if (field.fate === 'custom') return <span className="fate-custom">{t('wizard.mappingCustom')}</span>;
  if (field.fate === 'unmapped') return <span className="muted">{t('wizard.mappingUnmapped')}</span>;
  return (
    <>
      {field.canonical.map((c, i) => {
        // A friendly name where the app has one; the canonical name itself always.
        const friendly = c === 'remote_id' ? t('wizard.mappingId') : fieldName(c, '');
        return (
          <span key={c}>
            {i > 0 ? ', ' : null}
            {friendly ? `${friendly} ` : null}
            <code className="small">{c}</code>
          </span>
        );
      })}
    </>
  );
}

function Sample({ sample, name, open }: { sample: SampleRecordDto; name: string; open: boolean }) {
  const { t, number } = useI18n();
  const count = (fate: string) => number(sample.fields.filter((f) => f.fate === fate).length);
  const title = t('wizard.mappingRecord', { id: sample.remoteId });
  return (
    <details className="sample" open={open}>
      <summary>
        <span className="sample-title">{title}</span>{' '}
        <span className="muted small">
          {t('wizard.mappingSummary', {
            mapped: count('mapped'),
            custom: count('custom'),
            unmapped: count('unmapped'),
          })}
        </span>
      </summary>
      <div className="table-wrap">
        <table className="table mapping-table" data-testid={`mapping-${sample.remoteId}`}>
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('wizard.mappingProvider', { name })}</th>
              <th scope="col">{t('wizard.mappingValue')}</th>
              <th scope="col">{t('wizard.mappingBecomes')}</th>
            </tr>
          </thead>
          <tbody>
            {sample.fields.map((f) => (
              <tr key={f.providerField} className={`fate-${f.fate}`}>
                <th scope="row">
                  <code>{f.providerField}</code>
                </th>
                <td className="mapping-value">
                  {f.value}
                  {f.sensitive ? <span className="badge badge-info">{t('wizard.mappingHidden')}</span> : null}
                </td>
                <td>
                  <Becomes field={f} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** The provider's first page of one entity, field by field, next to the canonical fields. */
export function MappingPreview({
  connectionId,
  name,
  entityKind,
}: {
  connectionId: string;
  name: string;
  entityKind: string;
}) {
  const { t, entity, number } = useI18n();
  const preview = useMappingPreview(connectionId, entityKind);
  const what = entity(entityKind).toLowerCase();
  if (preview.isPending) {
    return (
      <p role="status" className="muted">
        {t('wizard.mappingLoading', { entity: what, name })}
      </p>
    );
  }
  if (preview.isError) {
    return (
      <ErrorBox
        title={t('wizard.mappingError', { name })}
        error={preview.error}
        onRetry={() => void preview.refetch()}
        retryLabel={t('wizard.retry')}
      />
    );
  }
  const data = preview.data;
  if (data.samples.length === 0) {
    return <p className="muted">{t('wizard.mappingEmpty', { name, entity: what })}</p>;
  }
  return (
    <div className="mapping-samples" data-testid="mapping-preview">
      <p className="muted small">
        {t('wizard.mappingCount', {
          count: number(data.recordsOnPage),
          shown: number(data.samples.length),
        })}
      </p>
      {data.samples.map((s, i) => (
        <Sample key={s.remoteId} sample={s} name={name} open={i === 0} />
      ))}
    </div>
  );
}
