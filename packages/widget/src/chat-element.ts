/**
 * <webseek-chat>: a chat box over the engine. By default it starts the
 * ready-made engine worker on first use (a message, load(), or the `preload`
 * attribute), loads `model` with visible progress, and streams answers:
 * the R1 reasoning in a collapsible <details>, the answer as markdown that
 * is rendered without ever parsing model text as HTML (markdown-view.ts).
 *
 *   <webseek-chat model="https://intranet/models/r1-1.5b-q4_k_m.gguf"
 *                 system-prompt="Answer briefly." max-tokens="512"></webseek-chat>
 *
 * Events (bubbling, composed): webseek-progress (detail: LoadProgress),
 * webseek-message (detail: the finished assistant turn), webseek-error
 * (detail: { code, message }). Removing the element terminates the worker it
 * started; an engine given through the `engine` property is left running.
 */

import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionRequestStreaming,
  CompletionUsage,
  FinishReason,
  LoadProgress,
  RequestOptions,
} from '@webseek/api';
import { isRuntimeError, RuntimeError } from '@webseek/api';
import { createWorkerEngine, type WorkerModelSource } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker&inline';
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { modelSource, progressLine, speedLine } from './format.ts';
import { renderMarkdown } from './markdown-view.ts';
import { chatStyles } from './styles.ts';

/** What the element needs of an engine: the worker client and the in-page Engine both fit. */
export interface ChatEngine {
  reload(
    source: WorkerModelSource,
    options?: { onProgress?: (progress: LoadProgress) => void; signal?: AbortSignal },
  ): Promise<unknown>;
  readonly chat: {
    readonly completions: {
      create(
        request: ChatCompletionRequestStreaming,
        options?: RequestOptions,
      ): Promise<AsyncIterable<ChatCompletionChunk>>;
    };
  };
  interruptGenerate(): void;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  /** The answer (assistant) or the question (user). */
  content: string;
  /** The assistant's reasoning (R1's <think> block), kept apart from the answer. */
  reasoning?: string;
  finishReason?: FinishReason | null;
  usage?: CompletionUsage;
  /** Still streaming. */
  pending?: boolean;
}

export interface ChatErrorDetail {
  code: string;
  message: string;
}

type Status = 'idle' | 'loading' | 'ready' | 'generating';

export class WebseekChat extends LitElement {
  static override styles = chatStyles;
  static override properties = {
    model: { type: String },
    systemPrompt: { type: String, attribute: 'system-prompt' },
    maxTokens: { type: Number, attribute: 'max-tokens' },
    temperature: { type: Number },
    placeholder: { type: String },
    preload: { type: Boolean },
    engine: { attribute: false },
    messages: { attribute: false },
    status: { state: true },
    progress: { state: true },
    error: { state: true },
    draft: { state: true },
  };

  /** A model URL (absolute or relative to the page) or hf:owner/repo/file.gguf. */
  declare model: string | undefined;
  declare systemPrompt: string | undefined;
  declare maxTokens: number | undefined;
  declare temperature: number | undefined;
  declare placeholder: string;
  /** Start the worker and load `model` as soon as the element is on the page. */
  declare preload: boolean;
  /** An engine to use instead of starting a worker; without `model` it is used as loaded. */
  declare engine: ChatEngine | undefined;
  /** The conversation; set it to restore one (assistant turns render as markdown). */
  declare messages: ChatTurn[];
  declare status: Status;
  declare progress: LoadProgress | undefined;
  declare error: ChatErrorDetail | undefined;
  declare draft: string;

  /** The worker engine this element started (and terminates on removal). */
  #own: Promise<ChatEngine & { terminate(): void }> | undefined;
  /** Which engine holds which model, so a changed `model` or `engine` reloads. */
  #loaded: { engine: ChatEngine; model: string } | undefined;
  #loading: Promise<void> | undefined;
  #loadAbort: AbortController | undefined;
  /** The engine generating right now (what Stop interrupts). */
  #current: ChatEngine | undefined;
  /** A message is waiting for the model or being answered. */
  #sending = false;

  constructor() {
    super();
    this.placeholder = 'Ask something…';
    this.preload = false;
    this.messages = [];
    this.status = 'idle';
    this.draft = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.preload && this.model) void this.load().catch(() => {});
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#loadAbort?.abort();
    const own = this.#own;
    if (own) {
      this.#own = undefined;
      this.#loaded = undefined;
      void own.then((engine) => engine.terminate()).catch(() => {});
    } else if (this.status === 'generating') this.engine?.interruptGenerate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.isConnected && this.preload && this.model && (changed.has('model') || changed.has('preload'))) {
      void this.load().catch(() => {});
    }
  }

  protected override updated(): void {
    const log = this.renderRoot.querySelector('.log');
    if (log && this.status === 'generating') log.scrollTop = log.scrollHeight;
  }

  /** Starts the engine (if needed) and loads `model`; resolves once it can answer. Errors are also shown. */
  async load(): Promise<void> {
    try {
      await this.#ready();
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /**
   * Sends `text` (default: what is typed) as the user's next message and
   * streams the answer; during a load it waits for the model. Ignored while
   * an earlier message is still being answered.
   */
  async send(text: string = this.draft): Promise<void> {
    const prompt = text.trim();
    if (!prompt || this.#sending) return;
    this.#sending = true;
    this.error = undefined;
    this.draft = '';
    this.messages = [...this.messages, { role: 'user', content: prompt }];
    try {
      await this.#answer(await this.#ready());
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#sending = false;
      this.requestUpdate();
    }
  }

  /** Ends the answer being generated (the text so far stays), or cancels a load. */
  stop(): void {
    if (this.status === 'loading') this.#loadAbort?.abort();
    else if (this.status === 'generating') this.#current?.interruptGenerate();
  }

  async #ready(): Promise<ChatEngine> {
    const model = this.model?.trim();
    if (!model) {
      if (this.engine) return this.engine;
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        '<webseek-chat> needs a model attribute (a .gguf URL or hf:owner/repo/file.gguf)',
        {
          details: { attribute: 'model' },
        },
      );
    }
    const engine = this.engine ?? (await this.#ownEngine());
    while (this.#loaded?.engine !== engine || this.#loaded.model !== model) {
      this.#loading ??= this.#reload(engine, model).finally(() => {
        this.#loading = undefined;
      });
      await this.#loading;
    }
    return engine;
  }

  #ownEngine(): Promise<ChatEngine> {
    this.#own ??= createWorkerEngine(new EngineWorker({ name: 'webseek-chat' }));
    return this.#own;
  }

  async #reload(engine: ChatEngine, model: string): Promise<void> {
    const source = modelSource(model, document.baseURI);
    const abort = new AbortController();
    this.#loadAbort = abort;
    this.status = 'loading';
    this.error = undefined;
    try {
      await engine.reload(source, {
        signal: abort.signal,
        onProgress: (p) => {
          this.progress = p;
          this.#emit('webseek-progress', p);
        },
      });
      this.#loaded = { engine, model };
      this.status = 'ready';
    } catch (error) {
      this.status = 'idle';
      throw error;
    } finally {
      if (this.#loadAbort === abort) this.#loadAbort = undefined;
    }
  }

  async #answer(engine: ChatEngine): Promise<void> {
    const turn: ChatTurn = { role: 'assistant', content: '', reasoning: '', pending: true };
    const messages = this.#requestMessages();
    this.messages = [...this.messages, turn];
    this.status = 'generating';
    this.#current = engine;
    try {
      const stream = await engine.chat.completions.create({
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(validNumber(this.maxTokens) ? { max_tokens: this.maxTokens } : {}),
        ...(validNumber(this.temperature) ? { temperature: this.temperature } : {}),
      });
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice) {
          turn.reasoning += choice.delta.reasoning_content ?? '';
          turn.content += choice.delta.content ?? '';
          turn.finishReason = choice.finish_reason ?? turn.finishReason ?? null;
        }
        if (chunk.usage) turn.usage = chunk.usage;
        this.requestUpdate('messages');
      }
    } catch (error) {
      // A failure before any text leaves no empty bubble behind (the error says what happened).
      if (!turn.content && !turn.reasoning) this.messages = this.messages.filter((t) => t !== turn);
      throw error;
    } finally {
      turn.pending = false;
      this.#current = undefined;
      if (this.status === 'generating') this.status = 'ready';
      this.requestUpdate('messages');
    }
    this.#emit('webseek-message', { ...turn });
  }

  /** The system prompt, then the conversation so far (answers without their reasoning, as R1 wants). */
  #requestMessages(): ChatCompletionMessageParam[] {
    const out: ChatCompletionMessageParam[] = [];
    if (this.systemPrompt) out.push({ role: 'system', content: this.systemPrompt });
    for (const turn of this.messages) {
      if (turn.role === 'user') out.push({ role: 'user', content: turn.content });
      else if (turn.content) out.push({ role: 'assistant', content: turn.content });
    }
    return out;
  }

  #fail(error: unknown): void {
    // Removal terminates our worker and aborts our load: the WORKER_LOST / ABORTED that follow are not news.
    if (!this.isConnected && (isRuntimeError(error, 'WORKER_LOST') || isRuntimeError(error, 'ABORTED'))) return;
    const detail: ChatErrorDetail = {
      code: isRuntimeError(error) ? error.code : error instanceof Error ? error.name : 'ERROR',
      message: error instanceof Error ? error.message : String(error),
    };
    this.error = detail;
    this.#emit('webseek-error', detail);
  }

  #emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  protected override render(): TemplateResult {
    return html`
      <div class="log" part="log" role="log" aria-live="polite" aria-busy=${this.status === 'generating'}>
        ${this.messages.map((turn) => (turn.role === 'user' ? userTurn(turn) : assistantTurn(turn)))}
      </div>
      ${this.#renderStatus()}
      ${
        this.error
          ? html`<div class="error" part="error" role="alert">
            <strong class="code">${this.error.code}</strong> <span class="message">${this.error.message}</span>
          </div>`
          : nothing
      }
      <form part="form" @submit=${this.#onSubmit}>
        <textarea
          part="input"
          rows="1"
          aria-label=${this.placeholder}
          placeholder=${this.placeholder}
          .value=${this.draft}
          @input=${this.#onInput}
          @keydown=${this.#onKeydown}
        ></textarea>
        ${
          this.status === 'generating'
            ? html`<button class="stop" part="stop" type="button" @click=${() => this.stop()}>Stop</button>`
            : html`<button class="send" part="send" type="submit" ?disabled=${!this.draft.trim() || this.#sending}>Send</button>`
        }
      </form>
    `;
  }

  #renderStatus(): TemplateResult | typeof nothing {
    const p = this.progress;
    if (!p || (this.status !== 'loading' && p.phase !== 'ready')) return nothing;
    return html`<div class="status" part="status" data-phase=${p.phase}>
      <progress max="1" .value=${p.fraction} aria-label="Model load progress"></progress>
      <span class="progress-text">${progressLine(p)}</span>
    </div>`;
  }

  #onSubmit = (event: Event): void => {
    event.preventDefault();
    void this.send();
  };

  #onInput = (event: Event): void => {
    this.draft = (event.target as HTMLTextAreaElement).value;
  };

  /** Enter sends, Shift+Enter is a newline (and Enter that confirms an IME composition is left alone). */
  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    void this.send();
  };
}

function userTurn(turn: ChatTurn): TemplateResult {
  return html`<div class="msg user" part="message user">${turn.content}</div>`;
}

function assistantTurn(turn: ChatTurn): TemplateResult {
  const thinking = turn.pending && !turn.content;
  return html`<div class="msg assistant" part="message assistant" data-state=${turn.pending ? 'streaming' : 'done'}>
    ${
      turn.reasoning
        ? html`<details class="reasoning" part="reasoning" ?open=${thinking}>
          <summary>${thinking ? 'Thinking…' : 'Reasoning'}</summary>
          <div class="reasoning-text">${guard([turn.reasoning], () => renderMarkdown(turn.reasoning ?? ''))}</div>
        </details>`
        : nothing
    }
    <div class="answer" part="answer">${guard([turn.content], () => renderMarkdown(turn.content))}</div>
    <div class="meta">${meta(turn)}</div>
  </div>`;
}

function meta(turn: ChatTurn): string {
  if (turn.pending) return '';
  const parts = [speedLine(turn.usage)];
  if (turn.finishReason === 'abort') parts.push('stopped');
  else if (turn.finishReason === 'length') parts.push('cut at max-tokens');
  return parts.filter(Boolean).join(' · ');
}

function validNumber(n: number | undefined): n is number {
  return n !== undefined && n !== null && Number.isFinite(n);
}
