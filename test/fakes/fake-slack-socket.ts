// Socket Mode for the fake Slack: apps.connections.open hands out a one-time ws:// URL on the fake's own HTTP server,
// and this module speaks the protocol @slack/socket-mode implements on it — hello, envelopes, acks, pings, disconnect.
// Every envelope is acknowledged by sending back its envelope_id; an acknowledged envelope is never sent again, and
// only an unacknowledged events_api one is retried, with retry_attempt and retry_reason
// (https://docs.slack.dev/apis/events-api/using-socket-mode). Bolt acknowledges an event before its listeners run
// ("Events API requests are acknowledged right away", @slack/bolt 5.1 App.processEvent in node_modules), so an event
// whose listener fails in Socket Mode is not retried: the app must keep it (src/ingress/held-messages.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export interface SocketModeOptions {
  /** When set, apps.connections.open must present it, else `invalid_auth`. */
  appToken?: string;
  /** Slack's ack deadline for an envelope (default 3000 ms). */
  socketAckTimeoutMs?: number;
  /** Redeliver an unacked events_api envelope once with retry_attempt 1, retry_reason 'timeout' (default true). */
  socketRetryOnTimeout?: boolean;
  /** Server ping frames this often (default 5000 ms; 0 = never). The client also pings; `ws` answers those itself. */
  socketPingIntervalMs?: number;
}

export type SocketEnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** One frame the fake sent carrying an event, as Slack frames it. */
export interface SocketEnvelope {
  envelope_id: string;
  type: SocketEnvelopeType;
  payload: unknown;
  accepts_response_payload: boolean;
  /** Only events_api envelopes carry these (0 and '' on a first delivery). */
  retry_attempt?: number;
  retry_reason?: string;
}

/** An ack as the client sent it: @slack/socket-mode always sends `payload`, `{}` for a bare `ack()`. */
export interface SocketAck {
  envelopeId: string;
  payload?: unknown;
  at: number;
}

export interface SendSocketEventOptions {
  /** Default: true for slash_commands and view_submission/block_suggestion interactions, as Slack sets it. */
  acceptsResponsePayload?: boolean;
  /** Overrides the fake's `socketRetryOnTimeout` for this envelope. */
  retryOnTimeout?: boolean;
}

export interface SocketModeApi {
  /** Sockets open right now (a socket told to disconnect counts until it has closed). */
  readonly socketConnections: number;
  socketAcks: SocketAck[];
  /** Every envelope frame sent, redeliveries included, in order. */
  socketDeliveries: SocketEnvelope[];
  /**
   * Delivers `payload` in an envelope to the newest connected socket (waiting for one if none is), and resolves once
   * the client acks it. Rejects when the last attempt goes unacked for `socketAckTimeoutMs`.
   */
  sendSocketEvent(
    payload: object,
    type?: SocketEnvelopeType,
    options?: SendSocketEventOptions,
  ): Promise<{ envelopeId: string; ackedWith?: unknown }>;
  /** Sends `{"type":"disconnect","reason":…}` on every socket, closes them, and resolves once they are closed. */
  disconnectSockets(reason?: string): Promise<void>;
}

interface Connection {
  ws: WebSocket;
  /** Told to disconnect: no new envelopes go to it. */
  draining: boolean;
  pinger?: NodeJS.Timeout;
}

interface Pending {
  id: string;
  type: SocketEnvelopeType;
  payload: object;
  accepts: boolean;
  /** 0 on the first delivery; the last one allowed is `lastAttempt`. */
  attempt: number;
  lastAttempt: number;
  /** Whether the current attempt has gone out on a socket yet. */
  sent: boolean;
  timer?: NodeJS.Timeout;
  resolve(result: { envelopeId: string; ackedWith?: unknown }): void;
  reject(err: Error): void;
}

const SOCKET_PATH = '/socket-mode';
// Slack's hello says roughly how long (seconds) the connection will live before a refresh_requested disconnect.
const HELLO_DEBUG_INFO = { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 };

export class FakeSocketMode implements SocketModeApi {
  readonly socketAcks: SocketAck[] = [];
  readonly socketDeliveries: SocketEnvelope[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly ackTimeoutMs: number;
  private readonly pingIntervalMs: number;

  constructor(
    server: Server,
    /** ws://host:port of the fake. */
    private readonly wsBase: string,
    private readonly appId: string,
    private readonly options: SocketModeOptions,
  ) {
    this.ackTimeoutMs = options.socketAckTimeoutMs ?? 3000;
    this.pingIntervalMs = options.socketPingIntervalMs ?? 5000;
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  get socketConnections(): number {
    return this.connections.size;
  }

  /** The URL apps.connections.open returns. Tickets are single use, so a client that reconnects without asking
   * apps.connections.open again for a fresh URL is refused, which a test would want to notice. */
  openUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.wsBase}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== SOCKET_PATH || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = { ws, draining: false };
    this.connections.add(conn);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => {
      clearInterval(conn.pinger);
      this.connections.delete(conn);
    });
    ws.on('error', () => ws.terminate());
    if (this.pingIntervalMs > 0) conn.pinger = setInterval(() => ws.ping(), this.pingIntervalMs);
    const hello = { type: 'hello', num_connections: this.connections.size, debug_info: HELLO_DEBUG_INFO, connection_info: { app_id: this.appId } };
    ws.send(JSON.stringify(hello));
    // Envelopes that were waiting for a connection go out now, as Slack delivers to whichever socket is up.
    for (const p of this.pending.values()) if (!p.sent) this.deliver(p);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return; // Slack ignores what it cannot parse; so does the fake
    }
    if (typeof message.envelope_id !== 'string') return;
    const ack: SocketAck = { envelopeId: message.envelope_id, at: Date.now() };
    if ('payload' in message) ack.payload = message.payload;
    this.socketAcks.push(ack);
    const p = this.pending.get(ack.envelopeId);
    if (!p) return; // a late or duplicate ack: recorded above, otherwise ignored
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    p.resolve({ envelopeId: p.id, ...('payload' in ack ? { ackedWith: ack.payload } : {}) });
  }

  sendSocketEvent(
    payload: object,
    type: SocketEnvelopeType = 'events_api',
    options: SendSocketEventOptions = {},
  ): Promise<{ envelopeId: string; ackedWith?: unknown }> {
    const interaction = (payload as { type?: unknown }).type;
    const accepts =
      options.acceptsResponsePayload ??
      (type === 'slash_commands' || (type === 'interactive' && (interaction === 'view_submission' || interaction === 'block_suggestion')));
    // Slack retries only Events API deliveries; a slash command or interaction that times out is shown to the user
    // as an error instead.
    const retry = type === 'events_api' && (options.retryOnTimeout ?? this.options.socketRetryOnTimeout ?? true);
    return new Promise((resolve, reject) => {
      const p: Pending = { id: randomUUID(), type, payload, accepts, attempt: 0, lastAttempt: retry ? 1 : 0, sent: false, resolve, reject };
      this.pending.set(p.id, p);
      this.startAttempt(p);
    });
  }

  /** One delivery attempt: the ack deadline runs from now, whether or not a socket is up to carry it yet. */
  private startAttempt(p: Pending): void {
    p.sent = false;
    p.timer = setTimeout(() => this.expire(p), this.ackTimeoutMs);
    this.deliver(p);
  }

  private expire(p: Pending): void {
    if (p.attempt < p.lastAttempt) {
      p.attempt += 1;
      this.startAttempt(p);
      return;
    }
    this.pending.delete(p.id);
    const attempts = p.attempt + 1;
    p.reject(new Error(`fake slack: ${p.type} envelope ${p.id} not acked within ${this.ackTimeoutMs} ms (${attempts} attempt(s))`));
  }

  private deliver(p: Pending): void {
    const target = [...this.connections].reverse().find((c) => !c.draining && c.ws.readyState === c.ws.OPEN);
    if (!target) return; // sent when a socket connects, if one does before the deadline
    const envelope: SocketEnvelope = {
      envelope_id: p.id,
      type: p.type,
      payload: p.payload,
      accepts_response_payload: p.accepts,
      ...(p.type === 'events_api' ? { retry_attempt: p.attempt, retry_reason: p.attempt > 0 ? 'timeout' : '' } : {}),
    };
    this.socketDeliveries.push(envelope);
    target.ws.send(JSON.stringify(envelope));
    p.sent = true;
  }

  async disconnectSockets(reason = 'refresh_requested'): Promise<void> {
    const closing = [...this.connections].map((conn) => {
      conn.draining = true;
      const closed = new Promise<void>((resolve) => conn.ws.once('close', () => resolve()));
      conn.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: HELLO_DEBUG_INFO.host } }));
      conn.ws.close(1000);
      return closed;
    });
    await Promise.all(closing);
  }

  /** Drops every socket and fails what is still waiting for an ack; part of FakeSlack.close(). */
  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`fake slack: closed before envelope ${p.id} was acked`));
    }
    this.pending.clear();
    for (const conn of this.connections) {
      clearInterval(conn.pinger);
      conn.ws.terminate();
    }
    this.connections.clear();
    this.wss.close();
  }
}
