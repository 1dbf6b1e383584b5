/**
 * Draws a figure with plotly.js. The library (the "basic" bundle: bar, scatter, pie) ships
 * inside the extension but is loaded on first use only, as its own chunk, so opening
 * JupyterLab does not pay for it.
 */
import { IFigure } from './chart';

interface IPlotly {
  newPlot(
    node: HTMLElement,
    data: Record<string, unknown>[],
    layout: Record<string, unknown>,
    config: Record<string, unknown>
  ): Promise<unknown>;
  purge(node: HTMLElement): void;
}

let plotly: Promise<IPlotly> | null = null;

function loadPlotly(): Promise<IPlotly> {
  if (plotly === null) {
    plotly = import('plotly.js-basic-dist-min').then(
      module => ((module as { default?: IPlotly }).default ?? module) as IPlotly
    );
    plotly.catch(() => {
      plotly = null; // let a later chart try again
    });
  }
  return plotly;
}

/** Draw `figure` into `node` (emptied first). */
export async function drawFigure(node: HTMLElement, figure: IFigure): Promise<void> {
  const Plotly = await loadPlotly();
  await Plotly.newPlot(node, figure.data, figure.layout, {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ['select2d', 'lasso2d']
  });
}

/** Free what plotly attached to `node`. */
export function purgeFigure(node: HTMLElement): void {
  if (plotly !== null) {
    void plotly.then(P => P.purge(node)).catch(() => undefined);
  }
}
