// The web console: a chat page on the HTTP API. The key is typed once and kept in this browser's localStorage;
// answers stream over fetch + server-sent events. Model text reaches the page only through renderMarkdown (which
// escapes everything first) or textContent, never as raw HTML.
import { renderMarkdown } from './markdown.js';

const KEY = 'xiaoliu.apiKey';
const CONVERSATION = 'xiaoliu.conversationId';
const $ = (id) => document.getElementById(id);

const messages = $('messages');
const askForm = $('ask-form');
const question = $('question');

function apiKey() {
  return localStorage.getItem(KEY);
}

function showKeyPanel(show) {
  $('key-panel').hidden = !show;
  askForm.hidden = show;
  messages.hidden = show;
}

function bubble(kind, text) {
  const el = document.createElement('div');
  el.className = `msg ${kind}`;
  if (text !== undefined) el.textContent = text;
  messages.append(el);
  el.scrollIntoView({ block: 'end' });
  return el;
}

/** Downloads a file with the key (a plain link cannot send it) and offers it as a blob: URL. */
async function attach(container, file) {
  const response = await fetch(file.url, { headers: { authorization: `Bearer ${apiKey()}` } });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  if (file.mime_type.startsWith('image/')) {
    const img = document.createElement('img');
    img.src = url;
    img.alt = file.filename;
    container.append(img);
  }
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.textContent = `⬇ ${file.filename} (${Math.ceil(file.size / 1024)} KB)`;
  container.append(link);
}

/** Reads a text/event-stream body, calling onEvent(name, data) for each event. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

/** What a question waiting in line shows until its answer starts. */
function queuedText(ahead) {
  if (ahead === null || ahead === undefined) return 'in line…';
  if (ahead === 0) return 'in line: yours is next…';
  return `in line: ${ahead} ${ahead === 1 ? 'message' : 'messages'} ahead of yours…`;
}

/** Calls one of an answer's buttons (POST /v1/answers/{id}/…); returns the response. */
function answerAction(answerId, verb, body, accept = 'application/json') {
  return fetch(`/v1/answers/${encodeURIComponent(answerId)}/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${apiKey()}` },
    body: JSON.stringify(body ?? {}),
  });
}

/**
 * The buttons under an answer: Stop while it streams; Regenerate, Helpful (👍) and Not helpful (👎) once it is done (or
 * stopped): words, which every font has, where Slack and Discord show the emoji. Labels are set with textContent, and every action goes through the API with the key, as Slack's and Discord's buttons do.
 */
function showControls(view, state) {
  view.controls.replaceChildren();
  const button = (label, title, onClick) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.addEventListener('click', () => void onClick(b));
    view.controls.append(b);
    return b;
  };
  if (!view.answerId) return;
  if (view.approval && state !== 'streaming') {
    // A tool call waits for this asker: Approve or Deny through the API, as Slack's and Discord's buttons do; the
    // rest of the answer (or its end) streams into a new bubble.
    const id = view.approval;
    const decide = (verb) => async () => {
      view.approval = undefined;
      view.controls.replaceChildren();
      const response = await fetch(`/v1/approvals/${encodeURIComponent(id)}/${verb}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${apiKey()}` },
        body: '{}',
      });
      await streamInto(answerView(), response);
    };
    button('✓ Approve', 'Run this tool call', decide('approve'));
    button('✗ Deny', 'Do not run it; the answer ends here', decide('deny'));
    return;
  }
  if (state === 'streaming') {
    button('■ Stop', 'Stop this answer, keeping what is written', async (b) => {
      b.disabled = true;
      await answerAction(view.answerId, 'stop');
    });
    return;
  }
  button('↻ Regenerate', 'Ask again; the new answer replaces this one', () => regenerate(view));
  const rate = (rating) => async (b) => {
    const reason = rating === 'bad' ? (window.prompt('What was wrong? (optional)') ?? '') : '';
    const response = await answerAction(view.answerId, 'feedback', reason ? { rating, reason } : { rating });
    if (response.ok) {
      for (const other of view.controls.querySelectorAll('.rated')) other.classList.remove('rated');
      b.classList.add('rated');
    }
  };
  button('Helpful', 'This answer helped (👍)', rate('good'));
  button('Not helpful', 'This answer did not help (👎); you may say why', rate('bad'));
  // "Remember this": the fact Claude suggested with the answer (its `suggested_memory`), kept once on a click.
  if (view.suggestedMemory) {
    button('Remember this', `Remember: ${view.suggestedMemory}`, async (b) => {
      b.disabled = true;
      const response = await answerAction(view.answerId, 'remember');
      const reply = await response.json().catch(() => ({}));
      b.title = reply.message ?? reply.error?.message ?? b.title;
    });
  }
}

/** Files picked, dropped or pasted, sent with the next question (as multipart/form-data). */
let pending = [];

function showPending() {
  const list = $('pending');
  list.replaceChildren(
    ...pending.map((file, index) => {
      const chip = document.createElement('span');
      chip.textContent = `📎 ${file.name} `;
      const remove = chip.appendChild(document.createElement('button'));
      remove.type = 'button';
      remove.textContent = '×';
      remove.title = `Remove ${file.name}`;
      remove.addEventListener('click', () => {
        pending.splice(index, 1);
        showPending();
      });
      return chip;
    }),
  );
}

function addFiles(files) {
  // A pasted screenshot comes as "image.png" with no date: name it so two of them can be told apart.
  for (const file of files) pending.push(file.name && file.name !== 'image.png' ? file : new File([file], `pasted-${pending.length + 1}.png`, { type: file.type }));
  showPending();
}

/** An assistant bubble: its text, its files, its buttons, and the id of the answer it shows. */
function answerView() {
  const answer = bubble('assistant');
  const body = answer.appendChild(document.createElement('div'));
  const files = answer.appendChild(document.createElement('div'));
  const controls = answer.appendChild(document.createElement('div'));
  files.className = 'files';
  controls.className = 'controls';
  return { answer, body, files, controls, answerId: undefined };
}

/**
 * The answer's web sources as footnotes under it: numbered links, built as elements (never HTML), and only http(s)
 * addresses, so a source can never be a script.
 */
function showSources(body, sources) {
  if (!Array.isArray(sources) || !sources.length) return;
  const list = document.createElement('ol');
  list.className = 'sources';
  for (const source of sources) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.textContent = source.title || source.url;
    if (/^https?:\/\//i.test(source.url)) link.href = source.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    item.appendChild(link);
    list.appendChild(item);
  }
  body.appendChild(list);
}

/** Streams an answer (from /v1/chat or a regeneration) into its bubble, from "thinking…" to its buttons. */
async function streamInto(view, response) {
  const { answer, body, files } = view;
  body.className = 'thinking';
  body.textContent = 'thinking…';
  files.replaceChildren();
  let shown = '';
  const render = (markdown) => {
    shown = markdown;
    body.className = 'answer';
    body.innerHTML = renderMarkdown(shown);
    answer.scrollIntoView({ block: 'end' });
  };
  if (!response.ok) {
    const error = await response.json().catch(() => ({ error: { message: response.statusText } }));
    answer.classList.add('error');
    body.className = '';
    body.textContent = `${response.status}: ${error.error?.message ?? 'request failed'}`;
    if (response.status === 401) showKeyPanel(true);
    if (response.status === 404) localStorage.removeItem(CONVERSATION);
    return;
  }
  await readEvents(response.body, (name, data) => {
    if (name === 'start') {
      localStorage.setItem(CONVERSATION, data.conversation_id);
      view.answerId = data.answer_id;
      showControls(view, 'streaming');
    } else if (name === 'queued' && !shown) body.textContent = queuedText(data.ahead);
    else if (name === 'activity' && !shown) body.textContent = data.text;
    else if (name === 'delta') render(shown + data.text);
    else if (name === 'replace') render(data.text);
    else if (name === 'file') void attach(files, data);
    else if (name === 'approval') view.approval = data.approval_id;
    else if (name === 'done') {
      render(data.answer);
      view.suggestedMemory = data.suggested_memory;
      showSources(body, data.sources);
      showControls(view, 'done');
    } else if (name === 'error') {
      answer.classList.add('error');
      body.textContent = data.error.message;
      view.controls.replaceChildren();
    }
  });
}

/** Regenerate: the same bubble streams the new answer, which replaces the old one in the conversation too. */
async function regenerate(view) {
  view.controls.replaceChildren();
  await streamInto(view, await answerAction(view.answerId, 'regenerate', {}, 'text/event-stream'));
}

async function ask(text) {
  const files_ = pending;
  pending = [];
  showPending();
  bubble('user', files_.length ? `${text}\n📎 ${files_.map((f) => f.name).join(', ')}` : text);
  const view = answerView();
  const conversationId = localStorage.getItem(CONVERSATION);
  let request;
  if (files_.length) {
    // The browser writes the multipart boundary itself: no content-type header of our own.
    const form = new FormData();
    form.append('message', text);
    if (conversationId) form.append('conversation_id', conversationId);
    for (const file of files_) form.append('file', file, file.name);
    request = { headers: { accept: 'text/event-stream', authorization: `Bearer ${apiKey()}` }, body: form };
  } else {
    request = {
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${apiKey()}` },
      body: JSON.stringify(conversationId ? { message: text, conversation_id: conversationId } : { message: text }),
    };
  }
  const response = await fetch('/v1/chat', { method: 'POST', ...request });
  await streamInto(view, response);
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem(KEY, $('key-input').value.trim());
  $('key-input').value = '';
  showKeyPanel(false);
  question.focus();
});
$('forget-key').addEventListener('click', () => {
  localStorage.removeItem(KEY);
  showKeyPanel(true);
});
$('new-conversation').addEventListener('click', () => {
  localStorage.removeItem(CONVERSATION);
  messages.replaceChildren();
  question.focus();
});
askForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = question.value.trim();
  if (!text) return;
  question.value = '';
  $('send').disabled = true;
  ask(text)
    .catch((error) => bubble('error', `Could not reach Xiaoliu: ${error.message}`))
    .finally(() => ($('send').disabled = false));
});
$('attach').addEventListener('click', () => $('file-input').click());
$('file-input').addEventListener('change', () => {
  addFiles([...$('file-input').files]);
  $('file-input').value = '';
});
// Files dropped anywhere on the page, or pasted into it (a screenshot from the clipboard).
document.addEventListener('dragover', (event) => {
  if (!event.dataTransfer?.types.includes('Files')) return;
  event.preventDefault();
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dropping'));
document.addEventListener('drop', (event) => {
  document.body.classList.remove('dropping');
  if (!event.dataTransfer?.files.length) return;
  event.preventDefault();
  addFiles([...event.dataTransfer.files]);
});
document.addEventListener('paste', (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (!files.length) return;
  event.preventDefault();
  addFiles(files);
});
question.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    askForm.requestSubmit();
  }
});

/** After a reload, shows the conversation kept in this browser so far. */
async function restore() {
  const id = localStorage.getItem(CONVERSATION);
  if (!id || !apiKey()) return;
  const response = await fetch(`/v1/conversations/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${apiKey()}` } });
  if (response.status === 404) return localStorage.removeItem(CONVERSATION);
  if (!response.ok) return;
  const conversation = await response.json();
  for (const m of conversation.messages) {
    if (m.role === 'user') bubble('user', m.text);
    else {
      const body = bubble('assistant').appendChild(document.createElement('div'));
      body.innerHTML = renderMarkdown(m.text);
      showSources(body, m.sources);
    }
  }
  const files = bubble('assistant files');
  for (const file of conversation.files) void attach(files, file);
  if (!conversation.files.length) files.remove();
}

showKeyPanel(!apiKey());
void restore();
