import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { ConflictDto, PendingWriteDto, ValueDto } from '../../lib/ipc/bindings.ts';
import { describeIpcError } from '../../lib/ipc/errors.ts';
import { useCheckAgain, useDecideWrite, useResolveConflict, useReview } from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

/** A compared value, money formatted exactly in the current locale. */
function Value({ value }: { value: ValueDto | null }) {
  const { t, money, date } = useI18n();
  if (!value || value.text === '') return <span className="muted">{t('common.none')}</span>;
  if (value.money) return <>{money(value.money.amount, value.money.currency, value.money.period)}</>;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value.text)) return <time dateTime={value.text}>{date(value.text)}</time>;
  const key = `value.${value.text}` as MessageKey;
  const word = t(key);
  return <>{word === key ? value.text : word}</>;
}

function ConflictRow({ c }: { c: ConflictDto }) {
  const { t, field, provider, category, dateTime } = useI18n();
  const resolve = useResolveConflict();
  // The rules' suggestion goes first; without one, the systems in the order compared.
  const sides = [...c.sources].sort(
    (a, b) => Number(b.connectionId === c.suggested) - Number(a.connectionId === c.suggested),
  );
  const [first, second] = sides;
  return (
    <li className="card conflict" data-testid={`conflict-row-${c.id}`}>
      <header className="conflict-head">
        <h3>
          {c.person} · {field(c.field)}
        </h3>
        <span className="muted small">{t('review.noticed', { when: dateTime(c.createdAt) })}</span>
      </header>
      <table className="table diff-table">
        <thead>
          <tr>
            {sides.map((s) => (
              <th key={s.connectionId} scope="col">
                {provider(s.provider)} <span className="muted small">({category(s.category)})</span>
                {s.connectionId === c.suggested ? (
                  <span className="badge badge-ok">{t('review.suggested')}</span>
                ) : null}
              </th>
            ))}
            <th scope="col">{t('review.lastAgreed')}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            {sides.map((s) => (
              <td key={s.connectionId} className="diff-value">
                <Value value={s.value} />
              </td>
            ))}
            <td className="diff-value diff-base">
              {c.baseValue ? <Value value={c.baseValue} /> : <span className="muted">{t('review.neverAgreed')}</span>}
            </td>
          </tr>
        </tbody>
      </table>
      <p className="muted small">{t('review.keepHelp')}</p>
      <div className="actions actions-start">
        {first ? (
          <button
            type="button"
            className="button primary"
            data-testid={`conflict-approve-${c.id}`}
            disabled={resolve.isPending}
            onClick={() => resolve.mutate({ id: c.id, keep: first.connectionId })}
          >
            {t('review.keep', { tool: provider(first.provider) })}
          </button>
        ) : null}
        {second ? (
          <button
            type="button"
            className="button"
            data-testid={`conflict-reject-${c.id}`}
            disabled={resolve.isPending}
            onClick={() => resolve.mutate({ id: c.id, keep: second.connectionId })}
          >
            {t('review.keep', { tool: provider(second.provider) })}
          </button>
        ) : null}
      </div>
      {resolve.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(resolve.error)}
        </p>
      ) : null}
    </li>
  );
}

function WriteRow({ w }: { w: PendingWriteDto }) {
  const { t, field, dateTime } = useI18n();
  const decide = useDecideWrite();
  return (
    <li className="card pending-write" data-testid={`write-row-${w.id}`}>
      <header className="conflict-head">
        <h3>{w.summary}</h3>
        <span className="muted small">{t('review.queued', { when: dateTime(w.createdAt) })}</span>
      </header>
      <table className="table diff-table">
        <thead>
          <tr>
            <th scope="col">{t('people.field')}</th>
            <th scope="col">{t('review.nowIn', { target: w.target })}</th>
            <th scope="col">{t('review.after')}</th>
          </tr>
        </thead>
        <tbody>
          {w.changes.map((c) => (
            <tr key={c.field}>
              <th scope="row">{field(c.field)}</th>
              <td className="diff-value">
                <Value value={c.before} />
              </td>
              <td className="diff-value diff-after">
                <Value value={c.after} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions actions-start">
        <button
          type="button"
          className="button primary"
          data-testid={`write-approve-${w.id}`}
          disabled={decide.isPending}
          onClick={() => decide.mutate({ id: w.id, approve: true })}
        >
          {t('review.approve')}
        </button>
        <button
          type="button"
          className="button danger"
          data-testid={`write-reject-${w.id}`}
          disabled={decide.isPending}
          onClick={() => decide.mutate({ id: w.id, approve: false })}
        >
          {t('review.reject')}
        </button>
      </div>
      {decide.isError ? (
        <p role="alert" className="error-detail">
          {describeIpcError(decide.error)}
        </p>
      ) : null}
    </li>
  );
}

/** Differences between tools to settle, and changes of pay waiting for approval. */
export function Review() {
  const { t, number } = useI18n();
  const review = useReview();
  const check = useCheckAgain();
  return (
    <div className="review" data-testid="screen-review">
      <header className="screen-head dash-head">
        <div>
          <h1 tabIndex={-1}>{t('review.title')}</h1>
          <p className="muted">{t('review.intro')}</p>
        </div>
        <div className="actions">
          <button
            type="button"
            className="button"
            data-testid="review-check"
            disabled={check.isPending}
            onClick={() => check.mutate()}
          >
            {check.isPending ? t('review.checking') : t('review.check')}
          </button>
        </div>
      </header>
      {check.isSuccess ? (
        <p role="status" className="success">
          {t('review.checked', {
            people: number(check.data.people),
            opened: number(check.data.opened),
            queued: number(check.data.queued),
            approval: number(check.data.awaitingApproval),
          })}
        </p>
      ) : null}
      {check.isError ? <ErrorBox title={t('review.check')} error={check.error} /> : null}
      {review.isPending ? (
        <p role="status" className="muted">
          {t('review.loading')}
        </p>
      ) : null}
      {review.isError ? (
        <ErrorBox
          title={t('review.error')}
          error={review.error}
          onRetry={() => void review.refetch()}
          retryLabel={t('app.retry')}
        />
      ) : null}
      {review.isSuccess ? (
        <>
          <section aria-labelledby="conflicts-title">
            <h2 id="conflicts-title">
              {t('review.conflicts')} <span className="muted">({number(review.data.conflicts.length)})</span>
            </h2>
            {review.data.conflicts.length === 0 ? (
              <p className="muted">{t('review.noConflicts')}</p>
            ) : (
              <ul className="plain stack">
                {review.data.conflicts.map((c) => (
                  <ConflictRow key={c.id} c={c} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="writes-title">
            <h2 id="writes-title">
              {t('review.writes')} <span className="muted">({number(review.data.pendingWrites.length)})</span>
            </h2>
            {review.data.pendingWrites.length === 0 ? (
              <p className="muted">{t('review.noWrites')}</p>
            ) : (
              <ul className="plain stack">
                {review.data.pendingWrites.map((w) => (
                  <WriteRow key={w.id} w={w} />
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
