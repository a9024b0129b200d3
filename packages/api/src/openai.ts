/**
 * OpenAI-shaped request and response types for chat and raw-prompt
 * completions, as the engine, the worker client and the HTTP server speak
 * them. Field names follow OpenAI's wire format (snake_case); DeepSeek's
 * `reasoning_content` carries the R1 reasoning apart from the answer.
 * Shapes are kept assignable to @mlc-ai/web-llm's types of the same names.
 */

/** Why a choice ended: a stop token or stop string, max_tokens or the context end, or an interruption. */
export type FinishReason = 'stop' | 'length' | 'abort';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatCompletionContentPartText {
  type: 'text';
  text: string;
}

/** Accepted in the type (OpenAI and web-llm clients send them); refused at run time: the models here read text only. */
export interface ChatCompletionContentPartImage {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export interface ChatCompletionContentPartInputAudio {
  type: 'input_audio';
  input_audio: unknown;
}

export type ChatCompletionContentPart =
  | ChatCompletionContentPartText
  | ChatCompletionContentPartImage
  | ChatCompletionContentPartInputAudio;

export interface ChatCompletionMessageToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionSystemMessageParam {
  role: 'system';
  content: string;
  name?: string;
}

export interface ChatCompletionUserMessageParam {
  role: 'user';
  content: string | ChatCompletionContentPart[];
  name?: string;
}

export interface ChatCompletionAssistantMessageParam {
  role: 'assistant';
  content?: string | null;
  /** Earlier reasoning; left out of the prompt (DeepSeek's advice), accepted so responses can be sent back as they are. */
  reasoning_content?: string | null;
  name?: string;
  tool_calls?: ChatCompletionMessageToolCall[];
}

export interface ChatCompletionToolMessageParam {
  role: 'tool';
  content: string;
  tool_call_id: string;
}

export type ChatCompletionMessageParam =
  | ChatCompletionSystemMessageParam
  | ChatCompletionUserMessageParam
  | ChatCompletionAssistantMessageParam
  | ChatCompletionToolMessageParam;

export interface StreamOptions {
  /** Send one more chunk after the last, with `choices: []` and the usage. */
  include_usage?: boolean;
}

/** Sampling and stopping fields shared by chat and raw-prompt requests. */
export interface GenerationParams {
  /** Model id; checked against the loaded model when given. */
  model?: string | null;
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  /** Most tokens to generate; default: up to the end of the context. */
  max_tokens?: number | null;
  /** 0 is greedy; default 1 (or the model's catalogue default). */
  temperature?: number | null;
  top_p?: number | null;
  /** Sample among the K most likely tokens (0: no cut). Not in OpenAI's API; llama.cpp and vLLM accept it. */
  top_k?: number | null;
  seed?: number | null;
  /** Up to 4 strings; generation stops before the first occurrence, which is left out of the text. */
  stop?: string | string[] | null;
  /** In [-2, 2]: logits of tokens already generated are lowered by presence_penalty once and frequency_penalty per occurrence. */
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  /** Keep generating past the model's end-of-generation tokens. */
  ignore_eos?: boolean;
  /** Only 1 is supported. */
  n?: number | null;
}

export interface ChatCompletionRequestBase extends GenerationParams {
  messages: ChatCompletionMessageParam[];
}

export interface ChatCompletionRequestNonStreaming extends ChatCompletionRequestBase {
  stream?: false | null;
}

export interface ChatCompletionRequestStreaming extends ChatCompletionRequestBase {
  stream: true;
}

export type ChatCompletionRequest = ChatCompletionRequestNonStreaming | ChatCompletionRequestStreaming;

export interface UsageExtra {
  /** Prompt tokens actually run through the model (prompt_tokens minus the reused KV prefix), per second. */
  prefill_tokens_per_s: number;
  /** Generated tokens after the first, per second of decoding. */
  decode_tokens_per_s: number;
  /** From the request starting to run (not from being queued) to the first token. */
  time_to_first_token_s: number;
  e2e_latency_s: number;
  time_per_output_token_s: number;
  /** Prompt tokens fed to the model this request (the rest were reused from the KV cache). */
  prefill_tokens: number;
  /** Seconds the request waited behind others for the model. */
  queue_time_s: number;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** cached_tokens: prompt tokens whose keys and values were reused from the previous request. */
  prompt_tokens_details?: { cached_tokens: number };
  extra: UsageExtra;
}

export interface ChatCompletionMessage {
  role: 'assistant';
  /** The answer ('' when generation ended inside the reasoning). */
  content: string | null;
  /** The text between `<think>` and `</think>`; null when the model did not reason. */
  reasoning_content?: string | null;
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason;
  logprobs: null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage: CompletionUsage;
}

export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string | null;
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: FinishReason | null;
  logprobs?: null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty in the usage chunk that ends a stream with stream_options.include_usage. */
  choices: ChatCompletionChunkChoice[];
  usage?: CompletionUsage;
}

/** A raw prompt, continued as it is (BOS prepended when the vocabulary asks; no chat template). */
export interface CompletionRequestBase extends GenerationParams {
  prompt: string;
}

export interface CompletionRequestNonStreaming extends CompletionRequestBase {
  stream?: false | null;
}

export interface CompletionRequestStreaming extends CompletionRequestBase {
  stream: true;
}

export type CompletionRequest = CompletionRequestNonStreaming | CompletionRequestStreaming;

export interface CompletionChoice {
  index: number;
  text: string;
  /** null in stream chunks before the last. */
  finish_reason: FinishReason | null;
  logprobs: null;
}

/** The response of a raw completion, and (with stream: true) each of its chunks. */
export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: CompletionUsage;
}

/** Per-call options that are not part of the request body. */
export interface RequestOptions {
  /** Aborting ends the generation at the next token with finish_reason 'abort' (the text so far is kept). */
  signal?: AbortSignal;
}

/** Where a model load is: fetching bytes (download or cache read), checking their SHA-256, uploading weights to the GPU, done. */
export type LoadPhase = 'download' | 'verify' | 'upload' | 'ready';

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes done and expected in this phase (bytesTotal 0 when unknown). */
  bytesDone: number;
  bytesTotal: number;
  /** Of the whole load, 0..1 (fetching and uploading weigh the same when both happen). */
  fraction: number;
  /** Over this phase so far. */
  bytesPerSecond: number;
  /** Seconds left in this phase at the current speed; null when unknown. */
  etaSeconds: number | null;
  /** Seconds since the load started. */
  elapsedSeconds: number;
  /** One line for people: 'uploading weights 42% (120 MB/s, 3 s left)'. */
  text: string;
}
