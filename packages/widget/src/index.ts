/**
 * @webseek/widget: importing it defines <webseek-chat> (once; a page that
 * loads the bundle twice keeps the first definition).
 */
import { WebseekChat } from './chat-element.ts';

export { type ChatEngine, type ChatErrorDetail, type ChatTurn, WebseekChat } from './chat-element.ts';
export { modelSource, progressLine, speedLine } from './format.ts';
export { type Block, type Inline, parseInline, parseMarkdown, safeHref } from './markdown.ts';
export { renderMarkdown } from './markdown-view.ts';

if (!customElements.get('webseek-chat')) customElements.define('webseek-chat', WebseekChat);

declare global {
  interface HTMLElementTagNameMap {
    'webseek-chat': WebseekChat;
  }
}
