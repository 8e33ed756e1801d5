import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import type { ConnectResult } from '../../lib/ipc/bindings.ts';
import { useSchedules, useSetConnectionSchedule } from '../../lib/ipc/queries.ts';
import { type MessageKey, useI18n } from '../../lib/i18n.tsx';

/** The intervals offered, in minutes, with their words. */
const CHOICES: ReadonlyArray<{ minutes: number; label: MessageKey }> = [
  { minutes: 15, label: 'wizard.every15' },
  { minutes: 60, label: 'wizard.hourly' },
  { minutes: 360, label: 'wizard.every6h' },
  { minutes: 1440, label: 'wizard.daily' },
];

/** Step 5: how often the new connection syncs, the provider's default pre-selected. */
export function ScheduleStep({ result, onNext }: { result: ConnectResult; onNext: () => void }) {
  const { t } = useI18n();
  const schedules = useSchedules();
  const save = useSetConnectionSchedule();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const mine = schedules.data?.connections.find((c) => c.connectionId === result.connectionId);
  const fallback = mine ? (mine.paused ? 'paused' : String(mine.intervalMinutes)) : null;
  const [picked, setPicked] = useState<string | null>(null);
  const choice = picked ?? fallback;
  const options = [...CHOICES.map((c) => ({ value: String(c.minutes), text: t(c.label) }))];
  if (mine && !CHOICES.some((c) => c.minutes === mine.defaultIntervalMinutes)) {
    options.push({
      value: String(mine.defaultIntervalMinutes),
      text: t('wizard.everyMinutes', { n: mine.defaultIntervalMinutes }),
    });
    options.sort((a, b) => Number(a.value) - Number(b.value));
  }
  options.push({ value: 'paused', text: t('wizard.paused') });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!mine || choice === null) {
      onNext();
      return;
    }
    const paused = choice === 'paused';
    // The provider's default is saved as "default" (null), so it follows future changes to it;
    // pausing keeps whatever interval there was.
    let minutes: number | null = mine.customInterval ? mine.intervalMinutes : null;
    if (!paused) minutes = Number(choice) === mine.defaultIntervalMinutes ? null : Number(choice);
    save.mutate(
      { connectionId: result.connectionId, minutes, paused },
      { onSuccess: onNext },
    );
  };

  return (
    <form className="form" onSubmit={submit} aria-labelledby="schedule-title">
      <h3 id="schedule-title" ref={heading} tabIndex={-1} className="step-heading">
        {t('wizard.scheduleTitle', { name: result.displayName })}
      </h3>
      {schedules.isPending ? (
        <p role="status" className="muted">
          {t('wizard.scheduleLoading')}
        </p>
      ) : null}
      {schedules.isError ? (
        <ErrorBox
          title={t('wizard.scheduleError')}
          error={schedules.error}
          onRetry={() => void schedules.refetch()}
          retryLabel={t('wizard.retry')}
        />
      ) : null}
      {mine ? (
        <fieldset className="choice-group" aria-describedby="schedule-help">
          <legend className="sr-only">{t('wizard.scheduleTitle', { name: result.displayName })}</legend>
          <p id="schedule-help" className="help">
            {t('wizard.scheduleHelp')}
          </p>
          {options.map((o) => (
            <div className="check" key={o.value}>
              <input
                id={`schedule-${o.value}`}
                type="radio"
                name="schedule"
                data-testid={`schedule-${o.value}`}
                value={o.value}
                checked={choice === o.value}
                onChange={() => setPicked(o.value)}
              />
              <label htmlFor={`schedule-${o.value}`}>
                {o.text}
                {o.value === String(mine.defaultIntervalMinutes) ? (
                  <>
                    {' '}
                    <span className="muted">{t('wizard.recommended', { name: result.displayName })}</span>
                  </>
                ) : null}
              </label>
            </div>
          ))}
        </fieldset>
      ) : null}
      {save.isError ? <ErrorBox title={t('wizard.scheduleSaveError')} error={save.error} /> : null}
      <div className="actions">
        <button
          type="submit"
          className="button primary"
          data-testid="wizard-next"
          disabled={save.isPending || schedules.isPending}
        >
          {mine ? t('wizard.continue') : t('wizard.skip')}
        </button>
      </div>
    </form>
  );
}
