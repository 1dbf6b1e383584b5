/**
 * "Insert into notebook": the SQL of an answer becomes a `%%askdb --sql` cell below the active
 * cell of the current notebook, or the first cell of a new notebook when none is open.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

/** The source of the cell that runs `sql` with the AskDB magic. */
export function sqlCellSource(sql: string): string {
  return `%%askdb --sql\n${sql.trim()}`;
}

/** Insert `sql` as a code cell; returns the notebook that got it. */
export async function insertSQLCell(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  sql: string
): Promise<NotebookPanel> {
  const source = sqlCellSource(sql);
  let panel = tracker?.currentWidget ?? null;
  if (panel === null) {
    // With the default kernel named, JupyterLab starts it without asking which one.
    const kernelName = app.serviceManager.kernelspecs.specs?.default;
    const args = kernelName ? { kernelName } : {};
    panel = (await app.commands.execute('notebook:create-new', args)) as NotebookPanel;
    await panel.context.ready;
    const first = panel.content.activeCell;
    if (first && first.model.type === 'code' && first.model.sharedModel.getSource() === '') {
      first.model.sharedModel.setSource(source);
      app.shell.activateById(panel.id);
      return panel;
    }
  }
  const notebook = panel.content;
  if (notebook.activeCell === null && notebook.widgets.length > 0) {
    notebook.activeCellIndex = notebook.widgets.length - 1;
  }
  NotebookActions.insertBelow(notebook);
  NotebookActions.changeCellType(notebook, 'code');
  notebook.activeCell?.model.sharedModel.setSource(source);
  app.shell.activateById(panel.id);
  return panel;
}
