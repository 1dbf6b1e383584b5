/** Small DOM helpers shared by the panel's views. */

/** A new element with a class name and optional text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.className = className;
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

/** A JupyterLab-styled button. */
export function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', `jp-Button jp-mod-minimal ${className}`, label);
  b.type = 'button';
  b.addEventListener('click', event => {
    event.preventDefault();
    onClick();
  });
  return b;
}

/** How a cell value reads in the table. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return 'NULL';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value); // objects and arrays, JSON's other values
}
