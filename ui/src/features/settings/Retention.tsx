import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { RetentionRuleDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError } from '../../lib/ipc/errors.ts';
import { usePurgeRetention, useRetentionPolicy, useSetRetention } from '../../lib/ipc/queries.ts';
import { useI18n } from '../../lib/i18n.tsx';

/** One kind's row: its period (editable: "4y", "18m", "never"), default and source. */
function RuleRow({ rule }: { rule: RetentionRuleDto }) {
  const { t } = useI18n();
  const set = useSetRetention();
  const [value, setValue] = useState(rule.period ?? 'never');
  const id = `retention-${rule.kind}`;
  return (
    <tr>
      <th scope="row">
        <label htmlFor={id}>{rule.kind.replaceAll('_', ' ')}</label>
      </th>
      <td>
        <input
          id={id}
          data-testid={id}
          size={7}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onBlur={() => {
            if (value !== (rule.period ?? 'never')) set.mutate({ kind: rule.kind, period: value });
          }}
          aria-invalid={set.isError}
        />
        {set.isError ? (
          <p role="alert" className="error-detail">
            {describeIpcError(set.error)}
          </p>
        ) : null}
      </td>
      <td>{rule.default ?? t('retention.never')}</td>
      <td className="muted small">{rule.source}</td>
    </tr>
  );
}

/**
 * Settings → Data retention: how long each kind of record is kept after the person leaves
 * (documented defaults with their legal source, owner-editable), and "Purge now" (the app
 * also purges once a day). Purges are audited.
 */
export function Retention() {
  const { t } = useI18n();
  const policy = useRetentionPolicy();
  const purge = usePurgeRetention();
  return (
    <section className="card" aria-labelledby="retention-title">
      <h2 id="retention-title">{t('retention.title')}</h2>
      <p className="muted small">{t('retention.intro')}</p>
      {policy.isError ? <ErrorBox title={t('retention.loadFailed')} error={policy.error} /> : null}
      {policy.data ? (
        <table className="table" data-testid="retention-rules">
          <thead>
            <tr>
              <th scope="col">{t('retention.kind')}</th>
              <th scope="col">{t('retention.kept')}</th>
              <th scope="col">{t('retention.default')}</th>
              <th scope="col">{t('retention.source')}</th>
            </tr>
          </thead>
          <tbody>
            {policy.data.map((rule) => (
              <RuleRow key={`${rule.kind}-${rule.period ?? 'never'}`} rule={rule} />
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="actions actions-start">
        <button
          type="button"
          className="button secondary"
          data-testid="retention-purge"
          disabled={purge.isPending}
          onClick={() => purge.mutate()}
        >
          {purge.isPending ? t('common.working') : t('retention.purge')}
        </button>
      </div>
      {purge.isSuccess ? (
        <p role="status" className="success" data-testid="retention-purged">
          {purge.data.length === 0 ? t('retention.nothing') : purge.data.join('; ')}
        </p>
      ) : null}
      {purge.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(purge.error)}
        </p>
      ) : null}
    </section>
  );
}
