import type { DayActivityDto } from '../../lib/ipc/bindings.ts';
import { useI18n } from '../../lib/i18n.tsx';

const WIDTH = 860;
const LEFT = 8;
const RECORDS_H = 120;
const GAP = 10;
const ERRORS_H = 28;
const AXIS = 18;

/**
 * Records changed (top) and failed runs (bottom, its own scale) per day, in SVG. Each day is
 * also a row of the accessible title, and a table for screen readers follows the picture.
 */
export function ActivityChart({ days }: { days: DayActivityDto[] }) {
  const { t, day, number } = useI18n();
  if (days.length === 0 || days.every((d) => d.runs === 0)) {
    return <p className="muted">{t('dash.activityEmpty')}</p>;
  }
  const maxRecords = Math.max(1, ...days.map((d) => d.records));
  const maxErrors = Math.max(1, ...days.map((d) => d.errors));
  const slot = (WIDTH - LEFT) / days.length;
  const bar = Math.max(3, slot * 0.62);
  const height = RECORDS_H + GAP + ERRORS_H + AXIS;
  const labelEvery = Math.ceil(days.length / 7);
  const describe = (d: DayActivityDto) =>
    t('dash.activityDay', { day: day(d.day), records: number(d.records), errors: number(d.errors) });
  return (
    <figure className="activity-chart">
      <div className="legend" aria-hidden="true">
        <span className="legend-item">
          <span className="swatch swatch-records" /> {t('dash.activityRecords')}
        </span>
        <span className="legend-item">
          <span className="swatch swatch-errors" /> {t('dash.activityErrors')}
        </span>
      </div>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby="activity-chart-title"
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id="activity-chart-title">{days.map(describe).join('; ')}</title>
        <line x1={LEFT} x2={WIDTH} y1={RECORDS_H} y2={RECORDS_H} className="chart-axis" />
        <line
          x1={LEFT}
          x2={WIDTH}
          y1={RECORDS_H + GAP + ERRORS_H}
          y2={RECORDS_H + GAP + ERRORS_H}
          className="chart-axis"
        />
        {days.map((d, i) => {
          const x = LEFT + i * slot + (slot - bar) / 2;
          const rh = d.records === 0 ? 0 : Math.max(2, (d.records / maxRecords) * (RECORDS_H - 14));
          const eh = d.errors === 0 ? 0 : Math.max(3, (d.errors / maxErrors) * ERRORS_H);
          const errorsBase = RECORDS_H + GAP + ERRORS_H;
          return (
            <g key={d.day} data-testid={`activity-${d.day}`}>
              <title>{describe(d)}</title>
              {rh > 0 ? (
                <rect x={x} y={RECORDS_H - rh} width={bar} height={rh} rx={2} className="chart-bar" />
              ) : null}
              {d.records > 0 && d.records === maxRecords ? (
                <text x={x + bar / 2} y={RECORDS_H - rh - 3} className="chart-value" textAnchor="middle">
                  {number(d.records)}
                </text>
              ) : null}
              {eh > 0 ? (
                <>
                  <rect x={x} y={errorsBase - eh} width={bar} height={eh} rx={2} className="chart-bar-error" />
                  <text x={x - 4} y={errorsBase - eh / 2} className="chart-value" textAnchor="end" dominantBaseline="middle">
                    {number(d.errors)}
                  </text>
                </>
              ) : null}
              {(i % labelEvery === 0 && days.length - 1 - i >= labelEvery) || i === days.length - 1 ? (
                <text x={x + bar / 2} y={height - 4} className="chart-label" textAnchor="middle">
                  {day(d.day)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
