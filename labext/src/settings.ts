/** The user settings of the panel (schema/plugin.json, id `jupyter-askdb:plugin`). */
export interface IAskDBSettings {
  /** Name or id of the project the panel opens with when it remembers none. */
  defaultProject: string;
  /** How many result rows an answer shows. */
  rowsShown: number;
  /** Whether to draw a chart under results that suit one. */
  showCharts: boolean;
}

export const DEFAULT_SETTINGS: IAskDBSettings = {
  defaultProject: '',
  rowsShown: 50,
  showCharts: true
};

/** Settings from the registry's composite value, with defaults for anything missing or odd. */
export function readSettings(
  composite: Partial<Record<keyof IAskDBSettings, unknown>>
): IAskDBSettings {
  const rows = Number(composite.rowsShown);
  return {
    defaultProject:
      typeof composite.defaultProject === 'string' ? composite.defaultProject.trim() : '',
    rowsShown: Number.isInteger(rows) && rows >= 1 ? rows : DEFAULT_SETTINGS.rowsShown,
    showCharts:
      typeof composite.showCharts === 'boolean' ? composite.showCharts : DEFAULT_SETTINGS.showCharts
  };
}
