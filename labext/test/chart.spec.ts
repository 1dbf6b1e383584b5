/** The chart chosen for a result: the same table of rules as the kernel's --plot. */
import { describe, expect, it } from 'vitest';

import { chartKind, columnKind, figureFor } from '../src/chart';
import { IResult } from '../src/models';

function result(columns: string[], rows: unknown[][]): IResult {
  return { columns, rows, row_count: rows.length, truncated: false };
}

describe('columnKind', () => {
  it.each([
    [[1, 2.5, null], 'number'],
    [['2024-01-03', '2024-02-01'], 'datetime'],
    [['2024-01', '2024-02'], 'datetime'],
    [['2024-01-03 10:00:00', '2024-01-03T11:30:00Z'], 'datetime'],
    [['France', 'Japan'], 'category'],
    [[true, false], 'category'],
    [['1', '2'], 'category'],
    [[null, null], 'category']
  ])('%j is a %s column', (values, kind) => {
    expect(columnKind(values)).toBe(kind);
  });
});

describe('chartKind', () => {
  // One case a line, as written.
  // prettier-ignore
  it.each([
    ['category + number', result(['country', 'n'], [['France', 44], ['Japan', 12]]), 'bar'],
    ['number + category', result(['n', 'country'], [[44, 'France'], [12, 'Japan']]), 'bar'],
    ['date + numbers', result(['month', 'orders', 'revenue'], [['2024-02', 3, 9.5], ['2024-01', 5, 20]]), 'line'],
    ['two numbers', result(['price', 'quantity'], [[9.5, 3], [20, 1]]), 'scatter'],
    ['one value', result(['n'], [[4]]), null],
    ['one row', result(['country', 'n'], [['France', 44]]), null],
    ['three categories', result(['a', 'b', 'c'], [['x', 'y', 'z'], ['u', 'v', 'w']]), null],
    ['no rows', result(['country', 'n'], []), null]
  ])('%s → %s', (_name, r, kind) => {
    expect(chartKind(r)).toBe(kind);
  });
});

describe('figureFor', () => {
  it('draws a bar per category with axis titles from the columns', () => {
    const figure = figureFor(
      result(
        ['n', 'country'],
        [
          [44, 'France'],
          [12, 'Japan']
        ]
      )
    )!;
    expect(figure.data).toEqual([{ type: 'bar', x: ['France', 'Japan'], y: [44, 12], name: 'n' }]);
    expect(figure.layout).toMatchObject({
      xaxis: { title: { text: 'country' } },
      yaxis: { title: { text: 'n' } }
    });
  });

  it('draws one line per number column, in date order', () => {
    const figure = figureFor(
      result(
        ['month', 'orders', 'revenue'],
        [
          ['2024-02', 3, 9.5],
          ['2024-01', 5, 20]
        ]
      )
    )!;
    expect(figure.data).toEqual([
      { type: 'scatter', mode: 'lines', x: ['2024-01', '2024-02'], y: [5, 3], name: 'orders' },
      { type: 'scatter', mode: 'lines', x: ['2024-01', '2024-02'], y: [20, 9.5], name: 'revenue' }
    ]);
    expect(figure.layout.showlegend).toBe(true);
  });

  it('has nothing to draw for a single value', () => {
    expect(figureFor(result(['n'], [[4]]))).toBeNull();
  });
});
