import type { PersonCheckDto, PersonDto } from '../../lib/ipc/bindings.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

/** A check's status and result in words ("Pending", "Complete: needs review"). */
function useStatus() {
  const { t } = useI18n();
  const word = (prefix: string, value: string) => {
    const key = `${prefix}.${value}` as MessageKey;
    const text = t(key);
    return text === key ? value.replace(/_/g, ' ') : text;
  };
  return (c: PersonCheckDto) => {
    const status = word('people.checks.status', c.status);
    if (c.result === null) return status;
    const result = word('people.checks.result', c.result);
    return c.adjudication === null
      ? t('people.checks.withResult', { status, result })
      : t('people.checks.decided', { status, result, decision: c.adjudication.replace(/_/g, ' ') });
  };
}

/**
 * The person's background checks: which tool, package, status and result, when ordered and
 * completed, and a link to the report in the tool. Never what a report says.
 */
export function PersonChecks({ person }: { person: PersonDto }) {
  const { t, provider, dateTime } = useI18n();
  const status = useStatus();
  if (person.checks.length === 0) return <p className="muted">{t('people.checksEmpty')}</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="person-checks">
        <caption className="sr-only">{t('people.checks')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('people.source')}</th>
            <th scope="col">{t('people.checks.package')}</th>
            <th scope="col">{t('people.checks.state')}</th>
            <th scope="col">{t('people.checks.ordered')}</th>
            <th scope="col">{t('people.checks.completed')}</th>
            <th scope="col">{t('people.checks.report')}</th>
          </tr>
        </thead>
        <tbody>
          {person.checks.map((c) => (
            <tr key={c.recordId} data-testid={`check-${c.recordId}`}>
              <td>
                <span className={`source source-${c.provider}`}>{provider(c.provider)}</span>
              </td>
              <td>{c.package ?? <span className="muted">{t('common.none')}</span>}</td>
              <td>{status(c)}</td>
              <td>{c.orderedAt ? dateTime(c.orderedAt) : t('common.none')}</td>
              <td>{c.completedAt ? dateTime(c.completedAt) : t('common.none')}</td>
              <td>
                {c.reportUrl ? (
                  <a href={c.reportUrl} target="_blank" rel="noreferrer">
                    {t('people.checks.open', { tool: provider(c.provider) })}
                  </a>
                ) : (
                  <span className="muted small">
                    {t('people.checks.noLink', { tool: provider(c.provider), id: c.remoteId })}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
