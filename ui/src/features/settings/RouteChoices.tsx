import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { PartChoiceDto, RouteChoiceDto } from '../../lib/ipc/bindings.ts';
import { useChangeRoutes, useRouteChoices } from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

/** One kind of system (the payroll, the HRIS…): which connection the routes use. */
function Part({ part }: { part: PartChoiceDto }) {
  const { t, category, date } = useI18n();
  const change = useChangeRoutes();
  const id = `route-part-${part.category}`;
  if (part.options.length === 0) return null;
  const only = part.options.length === 1 ? part.options[0] : undefined;
  // Two connections of the same tool read the same: the day each was connected tells them apart.
  const names = part.options.map((o) => o.displayName);
  const label = (o: PartChoiceDto['options'][number]) =>
    names.filter((n) => n === o.displayName).length > 1
      ? t('routes.connectedOn', { name: o.displayName, date: date(o.connectedOn) })
      : o.displayName;
  return (
    <li className="route-part" data-testid={id}>
      <label htmlFor={id + '-select'}>{t('routes.partLabel', { category: category(part.category) })}</label>
      <select
        id={id + '-select'}
        value={part.chosen ?? ''}
        disabled={change.isPending}
        aria-describedby={id + '-help'}
        onChange={(e) =>
          change.mutate({ kind: 'part', category: part.category, connectionId: e.target.value || null })
        }
      >
        <option value="">{only ? t('routes.onlyOne', { name: label(only) }) : t('routes.choose')}</option>
        {part.options.map((o) => (
          <option key={o.connectionId} value={o.connectionId}>
            {label(o)}
          </option>
        ))}
      </select>
      <p id={id + '-help'} className={part.needsChoice ? 'warning' : 'muted'}>
        {part.needsChoice
          ? t('routes.needsChoice', { count: part.options.length, category: category(part.category) })
          : t(`routes.part.${part.category}` as MessageKey)}
      </p>
      {change.isError ? <ErrorBox title={t('routes.saveFailed')} error={change.error} /> : null}
    </li>
  );
}

/** One route: what flows between which tools, and a switch. */
function RouteRow({ route, parts }: { route: RouteChoiceDto; parts: PartChoiceDto[] }) {
  const { t, category } = useI18n();
  const change = useChangeRoutes();
  const id = `route-${route.route}`;
  // An end with no connection: several to choose from above, or none connected yet.
  const end = (cat: string) =>
    parts.find((p) => p.category === cat)?.needsChoice
      ? t('routes.unchosen', { category: category(cat) })
      : t('routes.missing', { category: category(cat) });
  const from = route.fromConnection ?? end(route.from);
  const to = route.toConnection ?? end(route.to);
  return (
    <li className="route-row" data-testid={id}>
      <label htmlFor={id + '-on'}>
        <input
          id={id + '-on'}
          type="checkbox"
          checked={route.enabled}
          disabled={change.isPending}
          onChange={(e) => change.mutate({ kind: 'route', route: route.route, enabled: e.target.checked })}
        />{' '}
        {t('wizard.routeLine', { from, to, what: t(`wizard.route.${route.route}` as MessageKey) })}
      </label>
    </li>
  );
}

const SCHEDULES = ['payroll', 'monthly', 'semi-monthly', 'weekly', 'biweekly'] as const;
type ScheduleKind = (typeof SCHEDULES)[number];

/** The pay schedule the owner states, for a payroll whose pay periods cannot be read. */
function PaySchedule({ current }: { current: string | null }) {
  const { t } = useI18n();
  const change = useChangeRoutes();
  const [kind0, start0] = (current ?? 'payroll').split(':');
  const [kind, setKind] = useState<ScheduleKind>(kind0 as ScheduleKind);
  const [start, setStart] = useState(start0 ?? '');
  const needsStart = kind === 'weekly' || kind === 'biweekly';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate({
      kind: 'schedule',
      schedule: kind === 'payroll' ? null : needsStart ? `${kind}:${start}` : kind,
    });
  };
  return (
    <form className="pay-schedule" onSubmit={submit} data-testid="pay-schedule">
      <label htmlFor="pay-schedule-kind">{t('routes.schedule')}</label>
      <select id="pay-schedule-kind" value={kind} onChange={(e) => setKind(e.target.value as ScheduleKind)}>
        {SCHEDULES.map((k) => (
          <option key={k} value={k}>
            {t(`routes.schedule.${k}` as MessageKey)}
          </option>
        ))}
      </select>
      {needsStart ? (
        <>
          <label htmlFor="pay-schedule-start">{t('routes.scheduleStart')}</label>
          <input
            id="pay-schedule-start"
            type="date"
            required
            value={start}
            onChange={(e) => setStart(e.target.value)}
          />
        </>
      ) : null}
      <button type="submit" className="button" disabled={change.isPending}>
        {t('settings.saveInterval')}
      </button>
      <p className="muted">{t('routes.scheduleHelp')}</p>
      {change.isError ? <ErrorBox title={t('routes.saveFailed')} error={change.error} /> : null}
    </form>
  );
}

/** Settings → Routes: the parts each tool plays, the routes that run, approval of pay changes. */
export function RouteChoices() {
  const { t } = useI18n();
  const choices = useRouteChoices();
  const change = useChangeRoutes();
  return (
    <section className="card" aria-labelledby="routes-title" data-testid="settings-routes">
      <h2 id="routes-title">{t('routes.title')}</h2>
      <p className="muted">{t('routes.help')}</p>
      {choices.isPending ? <p className="muted">{t('routes.loading')}</p> : null}
      {choices.isError ? <ErrorBox title={t('routes.loadFailed')} error={choices.error} /> : null}
      {choices.data ? (
        <>
          {choices.data.parts.every((p) => p.options.length === 0) ? (
            <p className="muted">{t('routes.nothingConnected')}</p>
          ) : (
            <ul className="route-parts">
              {choices.data.parts.map((p) => (
                <Part key={p.category} part={p} />
              ))}
            </ul>
          )}
          <ul className="route-rows">
            {choices.data.routes.map((r) => (
              <RouteRow key={r.route} route={r} parts={choices.data.parts} />
            ))}
          </ul>
          <label className="route-approval">
            <input
              type="checkbox"
              checked={choices.data.approvePayChanges}
              disabled={change.isPending}
              onChange={(e) => change.mutate({ kind: 'approval', approve: e.target.checked })}
            />{' '}
            {t('routes.approve')}
          </label>
          <PaySchedule key={choices.data.paySchedule ?? 'payroll'} current={choices.data.paySchedule} />
        </>
      ) : null}
    </section>
  );
}
