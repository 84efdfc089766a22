/**
 * The API's OpenAPI 3.1 description, written by hand so it says what the handlers do (a test checks that its paths
 * and methods are exactly the routes mounted). Served at GET /v1/openapi.json.
 */
export function openApiDocument(): Record<string, unknown> {
  const error = { $ref: '#/components/responses/Error' };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const authErrors = { '401': error, '404': error, '429': error };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Xiaoliu HTTP API',
      version: '1.0.0',
      description: 'Chat with Xiaoliu (小柳) over HTTP: the same queue, workers, commands and history as Slack and Discord.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/chat': {
        post: {
          summary: 'Ask a question; answered as JSON when done, or streamed as server-sent events',
          description:
            'With `Accept: text/event-stream` the answer streams as events: `start` {conversation_id}, `queued` {ahead} ' +
            '(the question waits in line, `ahead` questions before it, null when unknown; again when that changes), `delta` {text} ' +
            '(append), `replace` {text} (the text so far was rewritten), `activity` {text} (what Xiaoliu is doing on the way ' +
            'to the answer, such as "Searching the web for “…”…" where the channel has web search on: show it until text ' +
            'arrives), `file` (an attached file), then `done` (the ' +
            'same object as the JSON answer) or `error`. Files (images, PDFs, text, docx/xlsx/pptx) come with the question ' +
            'as base64 in JSON (`files`, within HTTP_MAX_BODY_BYTES), or as `file` parts of a multipart/form-data body ' +
            '(together up to ATTACHMENT_MAX_BYTES, 20 MB by default); at most 10. A file that is not read is named, with the reason, under ' +
            'the answer; those read stay part of the conversation for its follow-ups.',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/ChatRequest' } },
              'multipart/form-data': { schema: { $ref: '#/components/schemas/ChatUpload' } },
            },
          },
          responses: {
            '200': {
              description: 'The answer',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/ChatAnswer' } },
                'text/event-stream': { schema: { type: 'string' } },
              },
            },
            '400': error,
            '413': error,
            '415': error,
            // conversation_deleted: the conversation was deleted before this answer was finished.
            '410': error,
            '504': error,
            ...authErrors,
          },
        },
      },
      '/v1/conversations/{id}': {
        get: {
          summary: "A conversation's messages and files",
          parameters: [idParam],
          responses: { '200': { description: 'The conversation', content: { 'application/json': { schema: { $ref: '#/components/schemas/Conversation' } } } }, ...authErrors },
        },
        delete: {
          summary: 'Forget a conversation, its messages and its files',
          parameters: [idParam],
          responses: { '204': { description: 'Forgotten' }, ...authErrors },
        },
      },
      '/v1/files/{id}': {
        get: {
          summary: 'Download a file an answer attached (its own user only)',
          parameters: [idParam],
          responses: { '200': { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...authErrors },
        },
      },
      '/v1/answers/{id}/stop': {
        post: {
          summary: 'Stop an answer while it streams: the text so far is kept, marked as stopped (its asker only)',
          parameters: [idParam],
          responses: { '200': { description: 'Stopped' }, '409': error, ...authErrors },
        },
      },
      '/v1/answers/{id}/regenerate': {
        post: {
          summary: 'Ask again: the new answer replaces this one in the conversation; returned (or streamed) like /v1/chat',
          parameters: [idParam],
          responses: { '200': { description: 'The new answer', content: { 'application/json': { schema: { $ref: '#/components/schemas/ChatAnswer' } }, 'text/event-stream': {} } }, '409': error, ...authErrors },
        },
      },
      '/v1/approvals/{id}/approve': {
        post: {
          summary: "Approve a tool call that waits for its asker (the streamed answer's `approval` event names it): it runs, and the answer goes on, returned (or streamed) like /v1/chat",
          parameters: [idParam],
          responses: { '200': { description: 'The rest of the answer', content: { 'application/json': { schema: { $ref: '#/components/schemas/ChatAnswer' } }, 'text/event-stream': {} } }, '409': error, ...authErrors },
        },
      },
      '/v1/approvals/{id}/deny': {
        post: {
          summary: 'Deny a tool call that waits for its asker: it is not run, and the answer ends saying so',
          parameters: [idParam],
          responses: { '200': { description: 'The answer’s end', content: { 'application/json': { schema: { $ref: '#/components/schemas/ChatAnswer' } }, 'text/event-stream': {} } }, '409': error, ...authErrors },
        },
      },
      '/v1/answers/{id}/feedback': {
        post: {
          summary: 'Rate an answer 👍 or 👎, with an optional short reason (one rating per person; a new one replaces it)',
          parameters: [idParam],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['rating'], properties: { rating: { enum: ['good', 'bad'] }, reason: { type: 'string', maxLength: 500 } } } } },
          },
          responses: { '200': { description: 'Recorded' }, ...authErrors },
        },
      },
      '/v1/answers/{id}/remember': {
        post: {
          summary: "Keep the fact Claude suggested with this answer (its `suggested_memory`) as a memory of the conversation's channel; once, however often it is called (its asker only)",
          parameters: [idParam],
          responses: { '200': { description: 'Remembered' }, '409': error, ...authErrors },
        },
      },
      '/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A key from `npm run apikey -- create --user ID`' } },
      responses: {
        Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
      schemas: {
        ChatRequest: {
          type: 'object',
          required: ['message'],
          properties: {
            message: { type: 'string', minLength: 1, description: 'A question, or a command (`help`, `reset`, …)' },
            conversation_id: { type: 'string', format: 'uuid', description: 'Continue this conversation; omit to start one' },
            files: {
              type: 'array',
              maxItems: 10,
              description: 'Files to read with the question; what each is comes from its bytes, not its name',
              items: {
                type: 'object',
                required: ['name', 'data'],
                properties: {
                  name: { type: 'string', description: 'File name, shown in the answer' },
                  data: { type: 'string', contentEncoding: 'base64', description: "The file's bytes, base64" },
                  mime_type: { type: 'string', description: 'Optional; the bytes decide' },
                },
              },
            },
          },
        },
        ChatUpload: {
          type: 'object',
          required: ['message'],
          properties: {
            message: { type: 'string', minLength: 1 },
            conversation_id: { type: 'string', format: 'uuid' },
            file: { type: 'array', maxItems: 10, items: { type: 'string', format: 'binary' }, description: 'One part per file' },
          },
        },
        File: {
          type: 'object',
          required: ['id', 'filename', 'mime_type', 'size', 'url'],
          properties: { id: { type: 'string' }, filename: { type: 'string' }, mime_type: { type: 'string' }, size: { type: 'integer' }, url: { type: 'string' } },
        },
        ChatAnswer: {
          type: 'object',
          required: ['conversation_id', 'answer_id', 'answer', 'usage', 'files', 'sources'],
          properties: {
            conversation_id: { type: 'string', format: 'uuid' },
            answer_id: { type: 'string', description: 'For /v1/answers/{id}/stop, /regenerate and /feedback' },
            answer: { type: 'string', description: 'Markdown' },
            usage: {
              type: 'object',
              properties: {
                input_tokens: { type: 'integer' },
                output_tokens: { type: 'integer' },
                cost_usd: { type: 'number', description: 'Tokens and web searches ($10 per 1,000) together' },
                web_searches: { type: 'integer', description: 'Web searches the answer made' },
              },
            },
            files: { type: 'array', items: { $ref: '#/components/schemas/File' } },
            suggested_memory: { type: 'string', description: 'A fact Claude suggests remembering; POST /v1/answers/{id}/remember keeps it' },
            sources: {
              type: 'array',
              description: 'The web pages the answer cites (web search) or read (web fetch), each once, in the order first used; number them 1, 2, … as footnotes. Empty when it used none.',
              items: { $ref: '#/components/schemas/Source' },
            },
          },
        },
        Source: {
          type: 'object',
          required: ['url', 'title'],
          properties: { url: { type: 'string', format: 'uri', description: 'Always http or https' }, title: { type: 'string' } },
        },
        Conversation: {
          type: 'object',
          required: ['conversation_id', 'messages', 'files'],
          properties: {
            conversation_id: { type: 'string', format: 'uuid' },
            messages: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  role: { enum: ['user', 'assistant'] },
                  text: { type: 'string' },
                  created_at: { type: 'string', format: 'date-time' },
                  sources: { type: 'array', description: "An answer's web sources (assistant messages only)", items: { $ref: '#/components/schemas/Source' } },
                },
              },
            },
            files: { type: 'array', items: { $ref: '#/components/schemas/File' } },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  };
}
