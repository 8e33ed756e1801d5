import { useQuery } from '@tanstack/react-query';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { type EnrollmentDto, type MoneyDto, commands } from '../../lib/ipc/bindings.ts';
import { unwrap } from '../../lib/ipc/errors.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

/** A person's benefits, keyed like the other person queries. */
export function usePersonBenefits(identityId: string | null) {
  return useQuery({
    queryKey: ['person_benefits', identityId ?? ''] as const,
    queryFn: () => unwrap(commands.personBenefits(identityId ?? '')),
    enabled: identityId !== null,
  });
}

function useWord() {
  const { t } = useI18n();
  return (prefix: string, value: string | null) => {
    if (value === null) return t('common.none');
    const key = `${prefix}.${value}` as MessageKey;
    const text = t(key);
    return text === key ? value.replace(/_/g, ' ') : text;
  };
}

function Share({ amount, percent }: { amount: MoneyDto | null; percent: string | null }) {
  const { t, money } = useI18n();
  if (amount) return <>{money(amount.amount, amount.currency)}</>;
  if (percent !== null) return <>{t('people.benefits.percentOfPay', { percent })}</>;
  return <span className="muted">{t('common.none')}</span>;
}

function Dates({ e }: { e: EnrollmentDto }) {
  const { t, date } = useI18n();
  const d = (v: string | null) => (v ? date(v) : t('people.benefits.open'));
  return (
    <ul className="plain small">
      {e.coverageStart || e.coverageEnd ? (
        <li>{t('people.benefits.coverage', { from: d(e.coverageStart), to: d(e.coverageEnd) })}</li>
      ) : null}
      {e.deductionStart || e.deductionEnd ? (
        <li>{t('people.benefits.deductions', { from: d(e.deductionStart), to: d(e.deductionEnd) })}</li>
      ) : null}
    </ul>
  );
}

/**
 * The person's benefit enrollments, each with the tool that says so, next to what payroll
 * deducted on their latest pay statement.
 */
export function PersonBenefits({ identityId }: { identityId: string }) {
  const { t, provider, money, date } = useI18n();
  const word = useWord();
  const benefits = usePersonBenefits(identityId);
  if (benefits.isPending) return <p className="muted">{t('people.benefitsLoading')}</p>;
  if (benefits.isError) return <ErrorBox title={t('people.benefitsError')} error={benefits.error} />;
  const { enrollments, payroll } = benefits.data;
  if (enrollments.length === 0 && (payroll === null || payroll.deductions.length === 0)) {
    return <p className="muted">{t('people.benefitsEmpty')}</p>;
  }
  return (
    <div data-testid="person-benefits">
      {enrollments.length === 0 ? (
        <p className="muted">{t('people.benefitsEmpty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table benefits">
            <thead>
              <tr>
                <th scope="col">{t('people.benefits.plan')}</th>
                <th scope="col">{t('people.benefits.status')}</th>
                <th scope="col">{t('people.benefits.employee')}</th>
                <th scope="col">{t('people.benefits.company')}</th>
                <th scope="col">{t('people.benefits.dates')}</th>
                <th scope="col">{t('people.benefits.source')}</th>
                <th scope="col">{t('people.benefits.payroll')}</th>
              </tr>
            </thead>
            <tbody>
              {enrollments.map((e) => (
                <tr
                  key={`${e.connection}-${e.plan}-${e.coverageStart ?? ''}-${e.coverageEnd ?? ''}-${e.status ?? ''}`}
                  className={e.status === 'active' && e.deductedAs === null && payroll ? 'row-differs' : undefined}
                  data-testid="benefit-enrollment"
                >
                  <th scope="row">
                    {e.plan}
                    <span className="muted small"> · {word('benefit.kind', e.kind)}</span>
                  </th>
                  <td>{word('benefit.status', e.status)}</td>
                  <td>
                    <Share amount={e.employeeAmount} percent={e.employeePercent} />
                  </td>
                  <td>
                    <Share amount={e.companyAmount} percent={e.companyPercent} />
                  </td>
                  <td>
                    <Dates e={e} />
                  </td>
                  <td>
                    <span className={`source source-${e.provider}`}>{provider(e.provider)}</span>
                  </td>
                  <td>
                    {e.deductedAs !== null ? (
                      t('people.benefits.deductedAs', { line: e.deductedAs })
                    ) : e.status === 'active' && payroll ? (
                      <span className="badge badge-warn">{t('people.benefits.notDeducted')}</span>
                    ) : (
                      <span className="muted">{t('common.none')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {payroll === null ? (
        <p className="muted small">{t('people.benefits.noStatement')}</p>
      ) : (
        <>
          <h4>
            {t('people.benefits.statement', {
              provider: provider(payroll.provider),
              start: date(payroll.periodStart),
              end: date(payroll.periodEnd),
            })}
          </h4>
          {payroll.deductions.length === 0 ? (
            <p className="muted">{t('people.benefits.noDeductions')}</p>
          ) : (
            <ul className="plain" data-testid="payroll-deductions">
              {payroll.deductions.map((d) => (
                <li key={d.name}>
                  <span className={`source source-${payroll.provider}`}>{provider(payroll.provider)}</span>{' '}
                  {d.name}: {money(d.amount.amount, d.amount.currency)}{' '}
                  {d.kind === null ? (
                    <span className="muted small">{t('people.benefits.notBenefit')}</span>
                  ) : d.matched ? (
                    <span className="muted small">{t('people.benefits.matched')}</span>
                  ) : (
                    <span className="badge badge-warn">{t('people.benefits.unmatched')}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
