import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { Field } from '../../components/Field.tsx';
import type { ComplianceSettingsDto, ObligationDto, PosterDto } from '../../lib/ipc/bindings.ts';
import {
  useComplianceCalendar,
  useMarkComplianceDone,
  useSaveComplianceCalendar,
  useSetComplianceSettings,
} from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';
import './compliance.css';

/** Items shown before "Show all". */
const FIRST = 6;

function DaysLeft({ days }: { days: number }) {
  const { t } = useI18n();
  if (days < 0) return <>{t('cal.overdue', { count: -days })}</>;
  if (days === 0) return <>{t('cal.today')}</>;
  if (days === 1) return <>{t('cal.tomorrow')}</>;
  return <>{t('cal.daysLeft', { count: days })}</>;
}

function Item({ item }: { item: ObligationDto }) {
  const { t, date } = useI18n();
  const [why, setWhy] = useState(false);
  const done = useMarkComplianceDone();
  return (
    <li className={`cal-item cal-${item.urgency}`} data-testid="cal-item">
      <div className="cal-when">
        <strong>{date(item.due)}</strong>
        <span className="small">
          {item.handledBy ? t('cal.handledBy', { provider: item.handledBy }) : <DaysLeft days={item.daysLeft} />}
        </span>
      </div>
      <div className="cal-what">
        <span className="badge badge-info">{t(`cal.area.${item.area}` as MessageKey)}</span>{' '}
        <span>{item.title}</span>
        <p className="muted small">{item.rule}</p>
        {why ? (
          <p className="small cal-source" role="note">
            {t('cal.source', { source: item.source })}
          </p>
        ) : null}
        {done.isError ? <ErrorBox title={t('cal.done')} error={done.error} /> : null}
      </div>
      <div className="actions cal-actions">
        <button type="button" className="button" aria-expanded={why} onClick={() => setWhy(!why)}>
          {t('cal.why')}
        </button>
        <button type="button" className="button" disabled={done.isPending} onClick={() => done.mutate(item.id)}>
          {t('cal.done')}
        </button>
      </div>
    </li>
  );
}

function SettingsForm({ initial }: { initial: ComplianceSettingsDto }) {
  const { t } = useI18n();
  const save = useSetComplianceSettings();
  const [state, setState] = useState(initial.companyState ?? '');
  const [opens, setOpens] = useState(initial.enrolmentOpens ?? '');
  const [closes, setCloses] = useState(initial.enrolmentCloses ?? '');
  const [deposit, setDeposit] = useState(initial.depositSchedule ?? '');
  const [providerFiles, setProviderFiles] = useState(
    initial.providerFilesTaxes === null ? 'auto' : initial.providerFilesTaxes ? 'on' : 'off',
  );
  const [posters, setPosters] = useState<PosterDto[]>(initial.posters);
  const field = save.error && 'field' in save.error ? (save.error as { field: string | null }).field : null;
  const message = save.error ? String((save.error as { message?: string }).message ?? '') : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({
      companyState: state.trim() === '' ? null : state.trim(),
      enrolmentOpens: opens === '' ? null : opens,
      enrolmentCloses: closes === '' ? null : closes,
      depositSchedule: deposit === '' ? null : deposit,
      providerFilesTaxes: providerFiles === 'auto' ? null : providerFiles === 'on',
      posters: posters.filter((p) => p.name.trim() !== '' || p.reviewOn !== ''),
    });
  };
  const setPoster = (i: number, p: Partial<PosterDto>) =>
    setPosters((all) => all.map((x, j) => (j === i ? { ...x, ...p } : x)));

  return (
    <form className="form cal-settings" onSubmit={submit} aria-label={t('cal.settings')}>
      <Field label={t('cal.state')} help={t('cal.stateHelp')} value={state} onChange={setState} />
      <div className="cal-row">
        <Field
          label={t('cal.enrolOpens')}
          inputType="date"
          value={opens}
          onChange={setOpens}
          error={field === 'enrolmentOpens' ? message : null}
        />
        <Field
          label={t('cal.enrolCloses')}
          inputType="date"
          value={closes}
          onChange={setCloses}
          error={field === 'enrolmentCloses' ? message : null}
        />
      </div>
      <div className="field">
        <label htmlFor="cal-deposit">{t('cal.deposit')}</label>
        <select id="cal-deposit" value={deposit} onChange={(e) => setDeposit(e.target.value)}>
          <option value="">{t('cal.depositNone')}</option>
          <option value="monthly">{t('cal.depositMonthly')}</option>
          <option value="semiweekly">{t('cal.depositSemiweekly')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="cal-provider-files">{t('cal.providerFiles')}</label>
        <select id="cal-provider-files" value={providerFiles} onChange={(e) => setProviderFiles(e.target.value)}>
          <option value="auto">{t('cal.providerFilesAuto')}</option>
          <option value="on">{t('cal.providerFilesOn')}</option>
          <option value="off">{t('cal.providerFilesOff')}</option>
        </select>
      </div>
      <fieldset className="cal-posters">
        <legend>{t('cal.posters')}</legend>
        {posters.map((p, i) => (
          <div className="cal-row" key={i}>
            <Field label={t('cal.posterName')} value={p.name} onChange={(v) => setPoster(i, { name: v })} />
            <Field
              label={t('cal.posterDate')}
              inputType="date"
              value={p.reviewOn}
              onChange={(v) => setPoster(i, { reviewOn: v })}
            />
            <button
              type="button"
              className="button"
              aria-label={t('cal.removePoster', { name: p.name })}
              onClick={() => setPosters((all) => all.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </div>
        ))}
        <button type="button" className="button" onClick={() => setPosters((all) => [...all, { name: '', reviewOn: '' }])}>
          {t('cal.addPoster')}
        </button>
      </fieldset>
      {save.isError && !(field === 'enrolmentOpens' || field === 'enrolmentCloses') ? (
        <ErrorBox title={t('cal.saveSettings')} error={save.error} />
      ) : null}
      {save.isSuccess ? (
        <p role="status" className="muted small">
          {t('cal.settingsSaved')}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="button primary" disabled={save.isPending}>
          {t('cal.saveSettings')}
        </button>
      </div>
    </form>
  );
}

/** The Dashboard's compliance calendar: upcoming obligations, why each is due, mark done,
 * the .ics export and the owner's settings. */
export function ComplianceCalendar() {
  const { t } = useI18n();
  const calendar = useComplianceCalendar();
  const ics = useSaveComplianceCalendar();
  const [all, setAll] = useState(false);
  const [editing, setEditing] = useState(false);
  return (
    <section className="card compliance" aria-labelledby="cal-title" data-testid="compliance-calendar">
      <div className="cal-head">
        <h2 id="cal-title">{t('cal.title')}</h2>
        <div className="actions">
          <button type="button" className="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            {editing ? t('cal.hideSettings') : t('cal.settings')}
          </button>
          <button
            type="button"
            className="button"
            disabled={ics.isPending || !calendar.isSuccess}
            onClick={() => ics.mutate()}
          >
            {t('cal.save')}
          </button>
        </div>
      </div>
      <p className="muted small">{t('cal.intro')}</p>
      {ics.isError ? <ErrorBox title={t('cal.save')} error={ics.error} /> : null}
      {ics.isSuccess && ics.data ? (
        <p role="status" className="muted small">
          {t('cal.saved', { count: ics.data.entries, path: ics.data.path })}
        </p>
      ) : null}
      {calendar.isPending ? <p className="muted">{t('common.loading')}</p> : null}
      {calendar.isError ? (
        <ErrorBox title={t('cal.title')} error={calendar.error} onRetry={() => void calendar.refetch()} retryLabel={t('app.retry')} />
      ) : null}
      {calendar.isSuccess && editing ? <SettingsForm initial={calendar.data.settings} /> : null}
      {calendar.isSuccess ? (
        calendar.data.items.length === 0 ? (
          <p className="muted">{t('cal.empty')}</p>
        ) : (
          <>
            <ul className="cal-list">
              {(all ? calendar.data.items : calendar.data.items.slice(0, FIRST)).map((item) => (
                <Item key={item.id} item={item} />
              ))}
            </ul>
            {calendar.data.items.length > FIRST ? (
              <button type="button" className="button link" onClick={() => setAll(!all)}>
                {all ? t('cal.showFewer') : t('cal.showAll', { count: calendar.data.items.length })}
              </button>
            ) : null}
          </>
        )
      ) : null}
    </section>
  );
}
