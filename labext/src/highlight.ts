/**
 * SQL syntax highlighting with JupyterLab's own CodeMirror: the language registry's static
 * `highlight` (what JupyterLab uses for code blocks in Markdown) colours the SQL with the
 * theme's editor colours, with no editor instance per answer.
 */
import { IEditorLanguageRegistry, jupyterHighlightStyle } from '@jupyterlab/codemirror';
import { StyleModule } from 'style-mod';

/** Writes `sql` into `into`, highlighted when it can. */
export type SQLHighlighter = (sql: string, into: HTMLElement) => Promise<void>;

/** A highlighter using JupyterLab's language registry; plain text without one. */
export function sqlHighlighter(registry: IEditorLanguageRegistry | null): SQLHighlighter {
  let mounted = false;
  return async (sql, into) => {
    into.textContent = sql;
    const language = registry?.findBest('sql') ?? null;
    if (!registry || !language) {
      return;
    }
    if (!mounted && jupyterHighlightStyle.module) {
      // The token classes' CSS is mounted by editors; the panel may highlight before any exists.
      StyleModule.mount(document, jupyterHighlightStyle.module);
      mounted = true;
    }
    const target = document.createElement('code');
    try {
      await registry.highlight(sql, language, target);
      into.replaceChildren(target);
    } catch (error) {
      console.warn('AskDB: SQL highlighting failed; showing plain text.', error);
    }
  };
}
