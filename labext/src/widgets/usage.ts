/**
 * The compact usage line of the panel: the selected project's calls today and tokens this
 * month against its plan, shown only where quotas are enforced, a warning from 80%.
 */
import { IUsage, usageLine } from '../usage';
import { h } from './dom';

export class UsageLine {
  readonly node: HTMLElement;

  constructor() {
    this.node = h('div', 'jp-AskDB-usage');
    this.node.setAttribute('aria-live', 'polite');
    this._text = h('span', 'jp-AskDB-usageText');
    this._hint = h('span', 'jp-AskDB-usageHint');
    this.node.append(this._text, this._hint);
    this.show(null);
  }

  /** Show `usage` (null, or quotas not enforced: hide the line). */
  show(usage: IUsage | null): void {
    const line = usage ? usageLine(usage) : null;
    this.node.hidden = line === null;
    this.node.dataset.level = line?.warning ? 'warning' : 'normal';
    this.node.classList.toggle('jp-mod-warning', line?.warning === true);
    this._text.textContent = line?.text ?? '';
    this._hint.textContent = line?.hint ?? '';
    this._hint.hidden = !line?.hint;
  }

  private readonly _text: HTMLElement;
  private readonly _hint: HTMLElement;
}
