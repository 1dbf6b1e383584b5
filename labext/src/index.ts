/**
 * The AskDB JupyterLab extension: the AskDB chat panel in the left side bar, and the palette
 * commands "AskDB: Open chat" and "AskDB: New conversation".
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';

import { AskDBClient } from './api';
import { sqlHighlighter } from './highlight';
import { askdbIcon } from './icons';
import { PanelMemoryStore } from './memory';
import { insertSQLCell } from './notebook';
import { readSettings } from './settings';
import { AskDBPanel } from './widgets/panel';

export { AskDBAPIError, AskDBClient, IProject, IProjectList } from './api';
export { IAskDBSettings } from './settings';
export { AskDBPanel } from './widgets/panel';

/** The plugin id. */
export const PLUGIN_ID = 'askdb:plugin';

/**
 * The id of the settings schema (schema/plugin.json). JupyterLab names a schema after its npm
 * package and file, so it is `jupyter-askdb:plugin`, not the plugin id.
 */
export const SETTINGS_ID = 'jupyter-askdb:plugin';

/** Command ids. */
export const CommandIDs = {
  openChat: 'askdb:open-chat',
  newConversation: 'askdb:new-conversation'
} as const;

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Ask your databases questions in plain language.',
  autoStart: true,
  requires: [ICommandPalette],
  optional: [
    ILabShell,
    ISettingRegistry,
    IStateDB,
    INotebookTracker,
    IEditorLanguageRegistry,
    ILayoutRestorer
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette,
    labShell: ILabShell | null,
    settingRegistry: ISettingRegistry | null,
    state: IStateDB | null,
    notebooks: INotebookTracker | null,
    languages: IEditorLanguageRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new AskDBPanel({
      client: new AskDBClient(app.serviceManager.serverSettings),
      memory: new PanelMemoryStore(state),
      highlight: sqlHighlighter(languages),
      insertIntoNotebook: async sql => {
        await insertSQLCell(app, notebooks, sql);
      }
    });
    app.shell.add(panel, 'left', { rank: 900 });
    restorer?.add(panel, panel.id);

    const show = () => {
      // In JupyterLab the panel is a side-bar tab; other shells just activate the widget.
      labShell?.expandLeft();
      app.shell.activateById(panel.id);
    };
    app.commands.addCommand(CommandIDs.openChat, {
      label: 'AskDB: Open chat',
      caption: 'Open the AskDB chat panel',
      icon: askdbIcon,
      execute: () => {
        show();
        panel.focusInput();
      }
    });
    app.commands.addCommand(CommandIDs.newConversation, {
      label: 'AskDB: New conversation',
      caption: 'Start a new, empty AskDB conversation',
      icon: askdbIcon,
      execute: async () => {
        show();
        await panel.newConversation();
        panel.focusInput();
      }
    });
    palette.addItem({ command: CommandIDs.openChat, category: 'AskDB' });
    palette.addItem({ command: CommandIDs.newConversation, category: 'AskDB' });

    void (async () => {
      if (settingRegistry) {
        await loadSettings(settingRegistry, panel);
      }
      await app.restored;
      await panel.refresh();
    })();
  }
};

/** Apply the user's settings to the panel now and whenever they change. */
async function loadSettings(registry: ISettingRegistry, panel: AskDBPanel): Promise<void> {
  try {
    const settings = await registry.load(SETTINGS_ID);
    const apply = () => {
      panel.settings = readSettings(settings.composite);
    };
    apply();
    settings.changed.connect(apply);
  } catch (reason) {
    console.error('AskDB: cannot load the settings of', SETTINGS_ID, reason);
  }
}

export default plugin;
