/**
 * Which chart suits a result, decided from its columns' values (the REST API sends JSON rows,
 * so a column's kind is read from its values). The rules are those of the kernel's `--plot`
 * (kernel/askdb/plotting.py), so a question gets the same chart in the panel and the notebook:
 *
 * | columns                          | chart   |
 * | -------------------------------- | ------- |
 * | one category + one number        | bar     |
 * | one date/time + one or more nums | line    |
 * | two numbers                      | scatter |
 * | anything else (or < 2 rows)      | none: the table says it all |
 */
import { IResult } from './models';

export type ColumnKind = 'number' | 'datetime' | 'category';
export type ChartKind = 'bar' | 'line' | 'scatter';

/** A Plotly figure: traces and layout, as plain JSON. */
export interface IFigure {
  kind: ChartKind;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

// ISO dates and date-times as databases send them: 2024-03-01, 2024-03, 2024-03-01 10:00:00.
const ISO_DATE = /^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The kind of a column from its values; nulls are ignored, booleans are categories. */
export function columnKind(values: unknown[]): ColumnKind {
  const present = values.filter(v => v !== null && v !== undefined);
  if (present.length === 0) {
    return 'category';
  }
  if (present.every(v => typeof v === 'number' && Number.isFinite(v))) {
    return 'number';
  }
  if (present.every(v => typeof v === 'string' && ISO_DATE.test(v))) {
    return 'datetime';
  }
  return 'category';
}

/** The chart for a result, or null when a chart would add nothing to the table. */
export function chartKind(result: IResult): ChartKind | null {
  if (result.rows.length < 2) {
    return null;
  }
  const kinds = result.columns.map((_c, i) => columnKind(result.rows.map(r => r[i])));
  const numbers = kinds.filter(k => k === 'number').length;
  if (kinds.length === 2 && numbers === 1 && kinds.includes('category')) {
    return 'bar';
  }
  const dates = kinds.filter(k => k === 'datetime').length;
  if (dates === 1 && numbers === kinds.length - 1 && numbers >= 1) {
    return 'line';
  }
  if (kinds.length === 2 && numbers === 2) {
    return 'scatter';
  }
  return null;
}

/** The Plotly figure for a result (all of its rows), or null when none suits it. */
export function figureFor(result: IResult): IFigure | null {
  const kind = chartKind(result);
  if (kind === null) {
    return null;
  }
  const names = result.columns;
  const column = (i: number) => result.rows.map(r => r[i]);
  const kinds = names.map((_n, i) => columnKind(column(i)));
  if (kind === 'bar') {
    const [cat, num] = kinds[0] === 'category' ? [0, 1] : [1, 0];
    return figure(
      kind,
      [{ type: 'bar', x: column(cat).map(String), y: column(num), name: names[num] }],
      names[cat],
      names[num]
    );
  }
  if (kind === 'line') {
    const when = kinds.indexOf('datetime');
    const order = result.rows
      .map((row, i) => ({ t: String(row[when]), i }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i))
      .map(o => o.i);
    const x = order.map(i => result.rows[i][when]);
    const traces = names
      .map((name, i) => ({ name, i }))
      .filter(c => c.i !== when)
      .map(c => ({
        type: 'scatter',
        mode: 'lines',
        x,
        y: order.map(i => result.rows[i][c.i]),
        name: c.name
      }));
    return figure(kind, traces, names[when], names.length === 2 ? names[1 - when] : '');
  }
  return figure(
    kind,
    [{ type: 'scatter', mode: 'markers', x: column(0), y: column(1), name: names[1] }],
    names[0],
    names[1]
  );
}

function figure(kind: ChartKind, data: Record<string, unknown>[], x: string, y: string): IFigure {
  return {
    kind,
    data,
    layout: {
      xaxis: { title: { text: x }, automargin: true },
      yaxis: { title: { text: y }, automargin: true },
      margin: { l: 40, r: 10, t: 10, b: 40 },
      height: 260,
      showlegend: data.length > 1,
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)'
    }
  };
}
