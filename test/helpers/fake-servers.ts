/**
 * Fake external services on 127.0.0.1:0 for tests: an HTTP server that records requests and answers
 * from a script (Slack, PagerDuty, a provider's health endpoint), and a tiny SMTP server that speaks
 * enough SMTP for nodemailer (EHLO, MAIL FROM, RCPT TO, DATA, QUIT) and keeps the messages.
 *
 * Both fail loudly: a request the script has no answer for (the responder returns undefined, an SMTP
 * command the fake does not speak) is answered with an error naming it, kept in `unexpected`, and makes
 * `close()` reject, so the test's afterAll fails instead of the fake answering a silent default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export type Responder = (req: RecordedRequest) => { status: number; body?: string; delayMs?: number; hang?: boolean } | undefined;

export interface FakeHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests the responder had no answer for (answered 500); `close()` rejects when there are any. */
  unexpected: string[];
  /** Replace how the server answers (default: 200 "ok" to everything); undefined means unexpected. */
  respond(responder: Responder): void;
  /** Resolves once `count` requests have arrived (matching `path` if given). */
  waitFor(count: number, path?: string): Promise<RecordedRequest[]>;
  /** Stops the server; rejects naming the unexpected requests, if any. */
  close(): Promise<void>;
}

/** The error `close()` rejects with when a fake saw requests its script did not cover. */
export function unexpectedError(fake: string, unexpected: string[]): Error | undefined {
  if (unexpected.length === 0) return undefined;
  return new Error(`${fake}: ${unexpected.length} request(s) nothing was scripted for:\n  ${unexpected.slice(0, 20).join('\n  ')}`);
}

export async function startFakeHttpServer(): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const unexpected: string[] = [];
  let responder: Responder = () => ({ status: 200, body: 'ok' });
  const waiters: Array<() => void> = [];
  const hung: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, json };
      requests.push(recorded);
      for (const wake of waiters.splice(0)) wake();
      let answer = responder(recorded);
      if (!answer) {
        unexpected.push(`${recorded.method} ${recorded.path}`);
        answer = { status: 500, body: `fake http server: nothing scripted for ${recorded.method} ${recorded.path}` };
      }
      if (answer.hang) {
        hung.push(res);
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpected,
    respond(next) {
      responder = next;
    },
    async waitFor(count, path) {
      const matching = () => requests.filter((r) => path === undefined || r.path === path);
      while (matching().length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return matching();
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const error = unexpectedError('fake http server', unexpected);
      if (error) throw error;
    },
  };
}

export interface SmtpMessage {
  from: string;
  to: string[];
  data: string;
}

export interface FakeSmtpServer {
  url: string;
  messages: SmtpMessage[];
  /** Commands the fake does not speak (answered 502); `close()` rejects when there are any. */
  unexpected: string[];
  /** Answer the next `n` DATA commands with a temporary failure (451). */
  failNext(n: number): void;
  waitFor(count: number): Promise<SmtpMessage[]>;
  close(): Promise<void>;
}

export async function startFakeSmtpServer(): Promise<FakeSmtpServer> {
  const messages: SmtpMessage[] = [];
  const unexpected: string[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let failures = 0;
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let current: SmtpMessage = { from: '', to: [], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 fake-smtp ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          if (failures > 0) {
            failures--;
            reply('451 4.3.0 try again later');
          } else {
            messages.push(current);
            for (const wake of waiters.splice(0)) wake();
            reply('250 2.0.0 queued');
          }
          current = { from: '', to: [], data: '' };
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.split(/[\s:]/)[0]!.toUpperCase();
        if (verb === 'EHLO') {
          socket.write('250-fake-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        } else if (verb === 'HELO') reply('250 fake-smtp');
        else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') {
          current = { from: '', to: [], data: '' };
          reply('250 ok');
        } else if (verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else {
          unexpected.push(line);
          reply('502 5.5.2 command not implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    unexpected,
    failNext(n) {
      failures = n;
    },
    async waitFor(count) {
      while (messages.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return messages;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const error = unexpectedError('fake SMTP server', unexpected);
      if (error) throw error;
    },
  };
}

/**
 * The settings that send alerts to the fake servers: Slack and PagerDuty to `httpUrl` (paths /slack/… and
 * /pd/enqueue), e-mail to `smtpUrl`. The Slack path and routing key are the secrets a test looks for.
 */
export function alertChannelEnv(httpUrl: string, smtpUrl: string, secrets: { slackPath: string; routingKey: string }): Record<string, string> {
  return {
    SLACK_WEBHOOK_URL: `${httpUrl}/slack/T000/B000/${secrets.slackPath}`,
    PAGERDUTY_ROUTING_KEY: secrets.routingKey,
    PAGERDUTY_EVENTS_URL: `${httpUrl}/pd/enqueue`,
    SMTP_URL: smtpUrl,
    ALERT_EMAIL_TO: 'oncall@example.com',
  };
}
