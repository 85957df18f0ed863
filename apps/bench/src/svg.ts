/**
 * Minimal SVG line charts, written as text: no browser, canvas or plotting dependency needed
 * to produce the README's pictures.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Vertical marks at these x values (e.g. reload instants). */
  readonly markers?: readonly number[];
  readonly markerLabel?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Fixed y range (e.g. to put two charts on one scale); default: from the data. */
  readonly yDomain?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${value / 1e6}M`;
  if (abs >= 1e3) return `${value / 1e3}k`;
  return String(Number(value.toPrecision(3)));
}

export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 720;
  const height = chart.height ?? 320;
  const left = 64;
  const right = 16;
  const top = 36;
  const bottom = 48;
  const all = chart.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  let yMin = chart.yDomain?.[0] ?? (chart.logY ? Math.min(...ys.filter((y) => y > 0)) : Math.min(0, ...ys));
  let yMax = chart.yDomain?.[1] ?? Math.max(...ys);
  if (!Number.isFinite(xMin)) [xMin, xMax] = [0, 1];
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  // Log axes span whole decades, so every point sits between two labelled ticks.
  if (chart.logY && chart.yDomain === undefined) [yMin, yMax] = [10 ** Math.floor(Math.log10(yMin)), 10 ** Math.ceil(Math.log10(yMax))];
  if (chart.logX) [xMin, xMax] = [10 ** Math.floor(Math.log10(xMin)), 10 ** Math.ceil(Math.log10(xMax))];
  if (yMax === yMin) yMax = yMin + 1;
  if (xMax === xMin) xMax = xMin + 1;
  const tx = (x: number) =>
    chart.logX
      ? left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (width - left - right)
      : left + ((x - xMin) / (xMax - xMin)) * (width - left - right);
  const ty = (y: number) =>
    chart.logY
      ? height - bottom - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (height - top - bottom)
      : height - bottom - ((y - yMin) / (yMax - yMin)) * (height - top - bottom);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(chart.title)}</text>`);
  const yTicks = chart.logY ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 5);
  for (const t of yTicks) {
    if (t < yMin || t > yMax * 1.0001) continue;
    out.push(`<line x1="${left}" x2="${width - right}" y1="${ty(t).toFixed(1)}" y2="${ty(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${(ty(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  const xTicks = chart.logX ? logTicks(xMin, xMax) : niceTicks(xMin, xMax, 8);
  for (const t of xTicks) {
    if (t < xMin || t > xMax * 1.0001) continue;
    out.push(`<text x="${tx(t).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const m of chart.markers ?? []) {
    out.push(`<line x1="${tx(m).toFixed(1)}" x2="${tx(m).toFixed(1)}" y1="${top}" y2="${height - bottom}" stroke="#bbbbbb" stroke-width="0.5" stroke-dasharray="2,3"/>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="black"/>`);
  out.push(`<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="black"/>`);
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  const legendStep = Math.min(170, (width - left - right - 10) / Math.max(1, chart.series.length));
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${tx(p[0]).toFixed(1)},${ty(p[1]).toFixed(1)}`).join('');
    if (s.points.length > 1) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    if (s.points.length <= 40) for (const p of s.points) out.push(`<circle cx="${tx(p[0]).toFixed(1)}" cy="${ty(p[1]).toFixed(1)}" r="2.5" fill="${color}"/>`);
    out.push(`<rect x="${(left + 10 + i * legendStep).toFixed(1)}" y="${top - 8}" width="10" height="3" fill="${color}"/>`);
    out.push(`<text x="${(left + 24 + i * legendStep).toFixed(1)}" y="${top - 4}">${escapeXml(s.name)}</text>`);
  });
  if (chart.markers && chart.markers.length > 0 && chart.markerLabel) {
    out.push(`<text x="${width - right}" y="${top - 4}" text-anchor="end" fill="#888888">${escapeXml(chart.markerLabel)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
