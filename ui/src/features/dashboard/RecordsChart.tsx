import type { KindCount } from '../../lib/ipc/bindings.ts';
import { useI18n } from '../../lib/i18n.tsx';

const ROW = 28;
const LABEL = 170;
const WIDTH = 520;
const VALUE = 64;

/** Horizontal bars of records per kind, drawn in SVG. */
export function RecordsChart({ records }: { records: KindCount[] }) {
  const { t, entity, number } = useI18n();
  const rows = [...records].filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
  if (rows.length === 0) return <p className="muted">{t('dash.chartEmpty')}</p>;
  const max = Math.max(...rows.map((r) => r.count));
  const barSpace = WIDTH - LABEL - VALUE;
  const height = rows.length * ROW;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby="chart-title"
      width="100%"
      preserveAspectRatio="xMinYMin meet"
    >
      <title id="chart-title">
        {t('dash.chartTitle')}:{' '}
        {rows.map((r) => `${entity(r.kind)} ${number(r.count)}`).join(', ')}
      </title>
      {rows.map((r, i) => {
        const w = Math.max(2, (r.count / max) * barSpace);
        const y = i * ROW;
        return (
          <g key={r.kind} data-testid={`bar-${r.kind}`}>
            <text x={LABEL - 10} y={y + ROW / 2} className="chart-label" textAnchor="end" dominantBaseline="middle">
              {entity(r.kind)}
            </text>
            <rect x={LABEL} y={y + 6} width={w} height={ROW - 12} rx={4} className="chart-bar" />
            <text x={LABEL + w + 8} y={y + ROW / 2} className="chart-value" dominantBaseline="middle">
              {number(r.count)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
