/**
 * The element's look. Pages theme it with CSS custom properties on the
 * element (or any ancestor), e.g.
 *
 *   webseek-chat { --webseek-accent: #0a7; --webseek-font: 15px/1.5 Inter, sans-serif; }
 *
 * and reach finer details with ::part(log | message | user | assistant |
 * reasoning | answer | status | error | form | input | send | stop).
 */
import { css } from 'lit';

export const chatStyles = css`
  :host {
    --_bg: var(--webseek-bg, #fff);
    --_fg: var(--webseek-fg, #1b1b1f);
    --_muted: var(--webseek-muted, #6b6b76);
    --_accent: var(--webseek-accent, #3b5bdb);
    --_accent-fg: var(--webseek-accent-fg, #fff);
    --_border: var(--webseek-border, #d9d9e0);
    --_user-bg: var(--webseek-user-bg, #e7ecff);
    --_assistant-bg: var(--webseek-assistant-bg, #f4f4f6);
    --_code-bg: var(--webseek-code-bg, #ececf1);
    --_error-bg: var(--webseek-error-bg, #fde8e8);
    --_error-fg: var(--webseek-error-fg, #9b1c1c);
    --_radius: var(--webseek-radius, 12px);
    display: flex;
    flex-direction: column;
    box-sizing: border-box;
    height: var(--webseek-height, 32rem);
    font: var(--webseek-font, 15px/1.5 system-ui, sans-serif);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  :host([hidden]) {
    display: none;
  }
  .log {
    flex: 1;
    overflow-y: auto;
    padding: 0.75rem;
    display: flex;
    flex-direction: column;
    gap: 0.6rem;
  }
  .msg {
    max-width: 85%;
    padding: 0.5rem 0.75rem;
    border-radius: var(--_radius);
    overflow-wrap: anywhere;
  }
  .user {
    align-self: flex-end;
    background: var(--_user-bg);
    white-space: pre-wrap;
  }
  .assistant {
    align-self: flex-start;
    background: var(--_assistant-bg);
  }
  .answer > :first-child,
  .reasoning-text > :first-child {
    margin-top: 0;
  }
  .answer > :last-child,
  .reasoning-text > :last-child {
    margin-bottom: 0;
  }
  .reasoning {
    color: var(--_muted);
    font-size: 0.9em;
    border-left: 3px solid var(--_border);
    padding-left: 0.5rem;
    margin-bottom: 0.4rem;
  }
  .reasoning summary {
    cursor: pointer;
  }
  .meta {
    color: var(--_muted);
    font-size: 0.8em;
    margin-top: 0.25rem;
  }
  .meta:empty {
    display: none;
  }
  [data-state='streaming'] .answer:empty::after {
    content: '…';
  }
  pre {
    background: var(--_code-bg);
    padding: 0.5rem;
    border-radius: 6px;
    overflow-x: auto;
  }
  code {
    font-family: var(--webseek-mono, ui-monospace, monospace);
    font-size: 0.9em;
  }
  :not(pre) > code {
    background: var(--_code-bg);
    padding: 0 0.25em;
    border-radius: 4px;
  }
  blockquote {
    margin: 0.5rem 0;
    padding-left: 0.75rem;
    border-left: 3px solid var(--_border);
    color: var(--_muted);
  }
  a {
    color: var(--_accent);
  }
  .status {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    padding: 0.4rem 0.75rem;
    border-top: 1px solid var(--_border);
    color: var(--_muted);
    font-size: 0.85em;
  }
  .status progress {
    flex: 0 0 8rem;
    accent-color: var(--_accent);
  }
  .error {
    padding: 0.5rem 0.75rem;
    background: var(--_error-bg);
    color: var(--_error-fg);
    border-top: 1px solid var(--_border);
    overflow-wrap: anywhere;
  }
  form {
    display: flex;
    gap: 0.5rem;
    padding: 0.6rem;
    border-top: 1px solid var(--_border);
  }
  textarea {
    flex: 1;
    resize: none;
    min-height: 2.5rem;
    max-height: 8rem;
    font: inherit;
    color: inherit;
    background: transparent;
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 0.4rem 0.6rem;
  }
  button {
    font: inherit;
    padding: 0 1rem;
    border: 0;
    border-radius: 8px;
    background: var(--_accent);
    color: var(--_accent-fg);
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.stop {
    background: var(--_fg);
    color: var(--_bg);
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
`;
