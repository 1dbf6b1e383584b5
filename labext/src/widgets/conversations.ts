/** The list of a project's conversations: switch, rename, delete. */
import { IConversation } from '../models';
import { button, h } from './dom';

export interface IConversationListActions {
  open: (conversation: IConversation) => void;
  rename: (conversation: IConversation) => void;
  remove: (conversation: IConversation) => void;
}

/** Render the list, marking the open conversation. */
export function renderConversationList(
  list: HTMLElement,
  conversations: readonly IConversation[],
  currentId: string | null,
  actions: IConversationListActions
): void {
  list.replaceChildren(
    ...conversations.map(conversation => {
      const li = h('li', 'jp-AskDB-conversation');
      li.dataset.conversationId = conversation.id;
      li.classList.toggle('jp-mod-current', conversation.id === currentId);
      const title = h('button', 'jp-AskDB-conversationTitle', conversation.title);
      title.type = 'button';
      title.title = `${conversation.title} (${plural(conversation.message_count, 'question')})`;
      title.addEventListener('click', () => actions.open(conversation));
      const rename = button('Rename', 'jp-AskDB-rename', () => actions.rename(conversation));
      const remove = button('Delete', 'jp-AskDB-delete', () => actions.remove(conversation));
      rename.title = 'Rename this conversation';
      remove.title = 'Delete this conversation';
      li.append(title, rename, remove);
      return li;
    })
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
