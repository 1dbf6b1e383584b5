/** The result of an answer: a table of the first rows, a note on cut rows, and a chart. */
import { figureFor } from '../chart';
import { IResult, resultNote } from '../models';
import { drawFigure, purgeFigure } from '../plot';
import { IAskDBSettings } from '../settings';
import { cellText, h } from './dom';

/** Render `result` into a new element. */
export function renderResult(result: IResult, settings: IAskDBSettings): HTMLElement {
  const box = h('div', 'jp-AskDB-result');
  box.append(renderTable(result, settings.rowsShown));
  const note = resultNote(result, settings.rowsShown);
  const noteNode = h('div', 'jp-AskDB-resultNote', note.text);
  noteNode.classList.toggle('jp-mod-cut', note.cut);
  box.append(noteNode);
  const figure = settings.showCharts ? figureFor(result) : null;
  if (figure) {
    const chart = h('div', 'jp-AskDB-chart');
    chart.dataset.kind = figure.kind;
    box.append(chart);
    drawFigure(chart, figure).then(
      () => chart.classList.add('jp-mod-drawn'),
      error => {
        chart.textContent = `The chart could not be drawn: ${error}`;
        chart.classList.add('jp-mod-error');
      }
    );
  }
  return box;
}

/** Free a rendered result (plotly keeps listeners on its node). */
export function disposeResult(node: HTMLElement): void {
  node.querySelectorAll<HTMLElement>('.jp-AskDB-chart').forEach(purgeFigure);
}

function renderTable(result: IResult, rowsShown: number): HTMLElement {
  const wrap = h('div', 'jp-AskDB-tableWrap');
  const table = h('table', 'jp-AskDB-table');
  const head = table.createTHead().insertRow();
  for (const column of result.columns) {
    head.append(h('th', '', column));
  }
  const body = table.createTBody();
  for (const row of result.rows.slice(0, rowsShown)) {
    const tr = body.insertRow();
    row.forEach(value => {
      const td = tr.insertCell();
      td.textContent = cellText(value);
      if (typeof value === 'number') {
        td.classList.add('jp-mod-number');
      } else if (value === null) {
        td.classList.add('jp-mod-null');
      }
    });
  }
  wrap.append(table);
  return wrap;
}
