import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { HistoryEntryDto, MoneyDto, PersonDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError } from '../../lib/ipc/errors.ts';
import {
  useConfirmLink,
  usePeople,
  usePersonHistory,
  useSplitLink,
} from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';
import { PersonBenefits } from './PersonBenefits.tsx';
import { PersonChecks } from './PersonChecks.tsx';
import { PersonErase } from './PersonErase.tsx';
import { PersonExport } from './PersonExport.tsx';

const STATUS_KEYS: Record<string, MessageKey> = {
  auto: 'people.status.auto',
  suggested: 'people.status.suggested',
  confirmed: 'people.status.confirmed',
  split: 'people.status.split',
};

/** Fields each tool numbers or words its own way: a difference there is expected, not news. */
const OWN_WAY = new Set(['employee_number']);
/** Fields whose disagreement the roster flags: who someone is, whether and how they are paid. */
const FLAGGED = new Set(['name', 'work_email', 'status', 'hire_date', 'termination_date', 'job_title', 'pay_rate']);

/** A record kind in the singular ("Job", "Pay rate"). */
function kindLabel(t: ReturnType<typeof useI18n>['t'], entity: (k: string) => string, kind: string) {
  const key = `kind.${kind}` as MessageKey;
  const text = t(key);
  return text === key ? entity(kind) : text;
}

function matches(p: PersonDto, query: string) {
  const q = query.trim().toLowerCase();
  return q === '' || p.name.toLowerCase().includes(q) || (p.workEmail ?? '').toLowerCase().includes(q);
}

function Provenance({ person }: { person: PersonDto }) {
  const { t, field, provider, money, date } = useI18n();
  const shown = (v: { value: string; money: MoneyDto | null }) => {
    if (v.money) return money(v.money.amount, v.money.currency, v.money.period);
    if (v.value === '') return t('common.none');
    if (/^\d{4}-\d{2}-\d{2}$/.test(v.value)) return date(v.value);
    const key = `value.${v.value}` as MessageKey;
    const word = t(key);
    return word === key ? v.value : word;
  };
  return (
    <div className="table-wrap">
    <table className="table provenance">
      <caption className="sr-only">{person.name}</caption>
      <thead>
        <tr>
          <th scope="col">{t('people.field')}</th>
          <th scope="col">{t('people.value')}</th>
          <th scope="col">{t('people.source')}</th>
          <th scope="col">{t('people.otherValues')}</th>
        </tr>
      </thead>
      <tbody>
        {person.fields.map((f) => (
          <tr
            key={f.field}
            className={f.agree || OWN_WAY.has(f.field) ? undefined : 'row-differs'}
            data-testid={`person-field-${f.field}`}
          >
            <th scope="row">{field(f.field, f.label)}</th>
            <td>
              {shown(f)}
              {f.agree || OWN_WAY.has(f.field) ? null : (
                <span className="badge badge-warn">{t('people.differs')}</span>
              )}
            </td>
            <td>
              <span className={`source source-${f.source}`}>{provider(f.source)}</span>
            </td>
            <td>
              {f.values.slice(1).length === 0 ? (
                <span className="muted">{t('common.none')}</span>
              ) : (
                <ul className="plain">
                  {f.values.slice(1).map((v) => (
                    <li key={`${v.provider}-${v.connection}`}>
                      <span className={`source source-${v.provider}`}>{provider(v.provider)}</span>{' '}
                      {shown(v)}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function Links({ person }: { person: PersonDto }) {
  const { t, provider, percent } = useI18n();
  const confirm = useConfirmLink();
  const split = useSplitLink();
  const error = confirm.error ?? split.error;
  const several = person.records.length > 1;
  return (
    <>
      <ul className="links">
        {person.records.map((r) => (
          <li key={r.recordId} className={`link link-${r.status}`} data-testid={`link-${r.recordId}`}>
            <div>
              <span className={`source source-${r.provider}`}>{provider(r.provider)}</span>{' '}
              {r.connection === provider(r.provider) ? null : <>{r.connection} · </>}
              <span className="muted small">
                {t('people.recordId', { id: r.remoteId })}
                {r.kind === 'contractor' ? ` · ${t('people.contractor')}` : ''}
              </span>
              <p className="muted small">
                {t(STATUS_KEYS[r.status] ?? 'people.status.auto')} ·{' '}
                {t('people.how', { method: r.method.replace(/_/g, ' '), percent: percent(r.confidence) })}
              </p>
            </div>
            {several && (r.status === 'auto' || r.status === 'suggested') ? (
              <div className="actions">
                {r.status === 'suggested' ? (
                  <button
                    type="button"
                    className="button primary small-button"
                    data-testid={`link-confirm-${r.recordId}`}
                    disabled={confirm.isPending}
                    onClick={() => confirm.mutate(r.recordId)}
                  >
                    {t('people.confirm')}
                  </button>
                ) : null}
                <button
                  type="button"
                  className="button small-button"
                  data-testid={`link-split-${r.recordId}`}
                  disabled={split.isPending}
                  onClick={() => split.mutate(r.recordId)}
                >
                  {t('people.split')}
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" className="error-detail">
          {describeIpcError(error)}
        </p>
      ) : null}
    </>
  );
}

function HistoryItem({ h }: { h: HistoryEntryDto }) {
  const { t, dateTime, entity, field } = useI18n();
  const key: MessageKey =
    h.change === 'created' ? 'people.change.created' : h.change === 'deleted' ? 'people.change.deleted' : 'people.change.updated';
  return (
    <li className={`timeline-item change-${h.change}`}>
      <time dateTime={h.at} className="muted small">
        {dateTime(h.at)}
      </time>
      <p>
        <strong>{t(key, { kind: kindLabel(t, entity, h.kind), connection: h.connection })}</strong>
      </p>
      {h.changes.length > 0 ? (
        <ul className="plain diff">
          {h.changes.map((c) => (
            <li key={c.field}>
              <span className="diff-field">{field(c.field)}</span>:{' '}
              {c.sensitive ? (
                <em>{t('people.hidden')}</em>
              ) : (
                <>
                  {h.change === 'created' ? null : (
                    <>
                      <del>{c.before ?? t('common.none')}</del> →{' '}
                    </>
                  )}
                  <ins>{c.after ?? t('common.none')}</ins>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function History({ identityId }: { identityId: string }) {
  const { t } = useI18n();
  const history = usePersonHistory(identityId);
  if (history.isPending) return <p className="muted">{t('people.historyLoading')}</p>;
  if (history.isError) return <ErrorBox title={t('people.historyError')} error={history.error} />;
  if (history.data.length === 0) return <p className="muted">{t('people.historyEmpty')}</p>;
  return (
    <ol className="timeline" data-testid="person-history">
      {history.data.map((h) => (
        <HistoryItem key={`${h.recordId}-${h.version}`} h={h} />
      ))}
    </ol>
  );
}

/** The unified roster: everyone across the tools, each value with where it came from. */
export function People({
  personRecord = null,
  onClearFilter,
}: {
  personRecord?: string | null;
  onClearFilter?: () => void;
}) {
  const { t, number } = useI18n();
  const people = usePeople();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const fromAlert = useMemo(
    () => people.data?.find((p) => p.records.some((r) => r.recordId === personRecord)) ?? null,
    [people.data, personRecord],
  );
  useEffect(() => {
    if (fromAlert) setSelected(fromAlert.identityId);
  }, [fromAlert]);

  const heading = (
    <header className="screen-head">
      <h1 tabIndex={-1}>{t('people.title')}</h1>
      <p className="muted">{t('people.intro')}</p>
    </header>
  );
  if (people.isPending) {
    return (
      <div data-testid="screen-people">
        {heading}
        <p role="status" className="muted">
          {t('people.loading')}
        </p>
      </div>
    );
  }
  if (people.isError) {
    return (
      <div data-testid="screen-people">
        {heading}
        <ErrorBox
          title={t('people.error')}
          error={people.error}
          onRetry={() => void people.refetch()}
          retryLabel={t('app.retry')}
        />
      </div>
    );
  }
  if (people.data.length === 0) {
    return (
      <div data-testid="screen-people">
        {heading}
        <p className="muted">{t('people.empty')}</p>
      </div>
    );
  }
  const list = fromAlert ? [fromAlert] : people.data.filter((p) => matches(p, query));
  const person = people.data.find((p) => p.identityId === selected) ?? null;
  return (
    <div className="people" data-testid="screen-people">
      {heading}
      <div className="split-view">
        <section className="card roster" aria-labelledby="roster-title">
          <h2 id="roster-title" className="sr-only">
            {t('people.title')}
          </h2>
          {fromAlert ? (
            <div className="note">
              <p>{t('people.filtered')}</p>
              <button type="button" className="button" onClick={onClearFilter}>
                {t('people.showAll')}
              </button>
            </div>
          ) : (
            <>
              {personRecord ? <p className="note">{t('people.notFound')}</p> : null}
              <label className="field search">
              <span>{t('people.search')}</span>
              <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
              </label>
            </>
          )}
          <p className="muted small" aria-live="polite">
            {list.length === 1 ? t('people.countOne') : t('people.count', { count: number(list.length) })}
          </p>
          {list.length === 0 ? <p className="muted">{t('people.noMatch', { query })}</p> : null}
          <ul className="roster-list">
            {list.map((p) => (
              <li key={p.identityId}>
                <button
                  type="button"
                  className="roster-item"
                  data-testid={`person-${p.identityId}`}
                  aria-current={p.identityId === selected ? 'true' : undefined}
                  onClick={() => setSelected(p.identityId)}
                >
                  <span className="roster-name">{p.name}</span>
                  <span className="roster-meta muted small">{p.workEmail ?? ''}</span>
                  {p.needsReview ? <span className="badge badge-warn">{t('people.needsReview')}</span> : null}
                  {p.fields.some((f) => !f.agree && FLAGGED.has(f.field)) ? (
                    <span className="badge badge-info">{t('people.differs')}</span>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section className="card person" aria-labelledby="person-title">
          {person ? (
            <>
              <h2 id="person-title">{person.name}</h2>
              {person.workEmail ? <p className="muted">{person.workEmail}</p> : null}
              <Provenance person={person} />
              <h3>{t('people.links')}</h3>
              <Links person={person} />
              <h3>{t('people.checks')}</h3>
              <PersonChecks person={person} />
              <h3>{t('people.benefits')}</h3>
              <PersonBenefits identityId={person.identityId} />
              <h3>{t('people.history')}</h3>
              <History identityId={person.identityId} />
              <h3>{t('people.exportTitle')}</h3>
              <PersonExport identityId={person.identityId} />
              <h3>{t('people.eraseTitle')}</h3>
              <PersonErase identityId={person.identityId} name={person.name} />
            </>
          ) : (
            <p id="person-title" className="muted">
              {t('people.select')}
            </p>
          )}
        </section>
      </div>
    </div>
  );
}
