/**
 * The AskDB JupyterLab extension: a command-palette entry that opens the AskDB side panel.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { AskDBClient } from './api';
import { askdbIcon } from './icons';
import { AskDBPanel, DEFAULT_SETTINGS, IAskDBSettings } from './panel';

export { AskDBAPIError, AskDBClient, IProject, IProjectList } from './api';
export { AskDBPanel, IAskDBSettings } from './panel';

/** The plugin id. */
export const PLUGIN_ID = 'askdb:plugin';

/**
 * The id of the settings schema (schema/plugin.json). JupyterLab names a schema after its npm
 * package and file, so it is `jupyter-askdb:plugin`, not the plugin id.
 */
export const SETTINGS_ID = 'jupyter-askdb:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const openChat = 'askdb:open-chat';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Ask your databases questions in plain language.',
  autoStart: true,
  requires: [ICommandPalette],
  optional: [ILabShell, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette,
    labShell: ILabShell | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const panel = new AskDBPanel(new AskDBClient(app.serviceManager.serverSettings));
    app.shell.add(panel, 'left', { rank: 900 });

    app.commands.addCommand(CommandIDs.openChat, {
      label: 'AskDB: Open chat',
      caption: 'Open the AskDB panel',
      icon: askdbIcon,
      execute: () => {
        // In JupyterLab the panel is a side-bar tab; other shells just activate the widget.
        if (labShell) {
          labShell.expandLeft();
        }
        app.shell.activateById(panel.id);
        return panel.refresh();
      }
    });
    palette.addItem({ command: CommandIDs.openChat, category: 'AskDB' });

    if (settingRegistry) {
      void loadSettings(settingRegistry, panel);
    }
    void panel.refresh();
  }
};

/** Apply the user's settings to the panel now and whenever they change. */
async function loadSettings(registry: ISettingRegistry, panel: AskDBPanel): Promise<void> {
  try {
    const settings = await registry.load(SETTINGS_ID);
    const apply = () => {
      panel.settings = { ...DEFAULT_SETTINGS, ...(settings.composite as Partial<IAskDBSettings>) };
    };
    apply();
    settings.changed.connect(apply);
  } catch (reason) {
    console.error('AskDB: cannot load the settings of', SETTINGS_ID, reason);
  }
}

export default plugin;
