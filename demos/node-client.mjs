// demos/node-client.mjs — a dependency-free Node client for `webseek serve`: fetch + Server-Sent Events, the answer printed as it streams.
//
//   npx webseek serve --model m.gguf --port 8080 &
//   node demos/node-client.mjs http://127.0.0.1:8080 "Why is the sky blue?" [max-tokens]
const [base = 'http://127.0.0.1:8080', question = 'Why is the sky blue?', maxTokens = '512'] = process.argv.slice(2);
const dim = (text) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);

// The server serves one model; ask it for the id instead of guessing.
const models = await fetch(`${base}/v1/models`).then((r) => r.json());
const model = models.data[0].id;

const response = await fetch(`${base}/v1/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    model,
    messages: [{ role: 'user', content: question }],
    max_tokens: Number(maxTokens),
    stream: true,
    stream_options: { include_usage: true },
  }),
});
if (!response.ok) {
  // Errors are OpenAI-shaped: { error: { message, type, param, code } }.
  const { error } = await response.json();
  console.error(`HTTP ${response.status} ${error.code}: ${error.message}`);
  process.exit(1);
}

let usage;
let finish;
for await (const data of serverSentEvents(response.body)) {
  if (data === '[DONE]') break;
  const chunk = JSON.parse(data);
  const choice = chunk.choices[0];
  // R1 thinks first: the reasoning arrives as reasoning_content (printed dim), then the answer as content.
  if (choice?.delta.reasoning_content) process.stdout.write(dim(choice.delta.reasoning_content));
  if (choice?.delta.content) process.stdout.write(choice.delta.content);
  finish = choice?.finish_reason ?? finish;
  usage = chunk.usage ?? usage;
}
process.stdout.write('\n');
if (usage) {
  const rate = usage.extra?.decode_tokens_per_s;
  console.error(
    `[${model}: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} generated tokens, finish ${finish}` +
      `${rate ? `, ${rate.toFixed(1)} tok/s` : ''}]`,
  );
}

/** The `data:` of each event as it arrives: events end at a blank line, and an event's data lines join with '\n'. */
async function* serverSentEvents(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = blankLine(buffer); end; end = blankLine(buffer)) {
      const event = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      const lines = event.split(/\r\n|\r|\n/).filter((line) => line.startsWith('data:'));
      if (lines.length) yield lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
    }
  }
}

function blankLine(text) {
  return /\r\n\r\n|\n\n|\r\r/.exec(text);
}
