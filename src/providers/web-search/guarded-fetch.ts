/**
 * The SSRF guard for fetching pages a search engine pointed at: a page URL comes from outside, so before
 * any byte is sent its host is resolved (every address), and the fetch is refused when ANY address is
 * not public (loopback, private, CGNAT, link-local, unspecified, multicast, reserved, documentation,
 * unique-local, IPv4 inside IPv6 of those — `src/core/address.ts`). The connection then goes to the very
 * address that was checked (the `lookup` of the request is pinned to it: no second DNS answer, so DNS
 * rebinding cannot swap in 127.0.0.1), TLS still verifies the certificate against the host name.
 *
 * Also: http and https only, no credentials in the URL, ports 80 and 443 only, redirects followed by hand
 * (at most 3) with every hop checked again, one deadline for the whole fetch (DNS, connect, redirects,
 * body), a byte cap on the (decoded) body that aborts the download when passed, and text/html or
 * text/plain only. An operator allow-list (SEARCH_FETCH_ALLOW) admits named private hosts/addresses,
 * and with a port, that port.
 *
 * Every refusal and failure is a ProviderError (provider `web_search`) whose message names the URL and the
 * reason; URLs are shown through `redactText`.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { canonicalAddress, classifyAddress } from '../../core/address.js';
import { ProviderError } from '../../core/errors.js';
import { redactText } from '../../core/redact.js';

export interface AllowEntry {
  /** A host name or an IP address, lower case. */
  host: string;
  /** When given, that port is allowed too (else 80/443 only). */
  port?: number;
}

export interface FetchPolicy {
  /** Hosts/addresses that may be fetched although not public (SEARCH_FETCH_ALLOW). */
  allow: readonly AllowEntry[];
  /** Deadline of the whole fetch, redirects included. */
  timeoutMs: number;
  /** The decoded body may not pass this many bytes. */
  maxBytes: number;
  /** @default 3 */
  maxRedirects?: number;
  userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https, besides Node's (tests; an internal wiki's own CA). */
  ca?: string;
  /** Name resolution (every address of a host); tests swap it. @default dns.lookup with all: true */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface FetchedPage {
  /** Where the body came from (after redirects). */
  url: string;
  status: number;
  mediaType: 'text/html' | 'text/plain';
  body: string;
  /** Decoded body size. */
  bytes: number;
  /** The URLs redirected from, in order. */
  redirects: string[];
  /** The address the body was read from. */
  address: string;
}

const ALLOWED_TYPES = new Set(['text/html', 'text/plain', 'application/xhtml+xml']);
const STANDARD_PORTS = new Set([80, 443]);

function fail(message: string, options: { status?: number; retryable?: boolean; cause?: unknown } = {}): never {
  throw new ProviderError(`web_search: ${redactText(message)}`, { provider: 'web_search', retryable: options.retryable ?? false, status: options.status, cause: options.cause });
}

const show = (url: URL | string) => redactText(String(url)).slice(0, 200);

const defaultResolve = async (host: string) => dnsLookup(host, { all: true, verbatim: true });

/** Allowed by the operator's list: the host name, or this address, listed (with this port, if a port is given). */
function allowedBy(allow: readonly AllowEntry[], host: string, address: string | undefined, port: number, needPort: boolean): boolean {
  const canonical = address === undefined ? undefined : canonicalAddress(address);
  return allow.some((entry) => {
    const hostMatch = entry.host === host || (canonical !== undefined && canonicalAddress(entry.host) === canonical);
    if (!hostMatch) return false;
    return needPort ? entry.port === port : entry.port === undefined || entry.port === port;
  });
}

export interface CheckedTarget {
  url: URL;
  host: string;
  port: number;
  address: string;
  family: 4 | 6;
}

/**
 * Check one URL and resolve it to the address to connect to, or throw saying why not. Exported for the
 * tests and for anything else that must vet a URL before fetching it.
 */
export async function checkTarget(raw: string | URL, policy: FetchPolicy, signal?: AbortSignal): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`refused to fetch "${show(raw)}": not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`refused to fetch ${show(url)}: only http and https are fetched`);
  if (url.username || url.password) fail(`refused to fetch ${show(url)}: credentials in a URL are not sent`);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const refusePort = () => fail(`refused to fetch ${show(url)}: port ${port} is not 80 or 443 (list ${host}:${port} in SEARCH_FETCH_ALLOW to allow it)`);
  // no entry lists this port: refused before any DNS query is made
  if (!STANDARD_PORTS.has(port) && !policy.allow.some((entry) => entry.port === port)) refusePort();
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await abortable((policy.resolve ?? defaultResolve)(host), signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return fail(`could not resolve ${host} for ${show(url)} (${(error as { code?: string }).code ?? (error as Error).message})`, { retryable: true, cause: error });
    }
    if (addresses.length === 0) fail(`could not resolve ${host} for ${show(url)} (no addresses)`, { retryable: true });
  }
  // an unusual port only when listed with that port, for the host name or for every address it has
  if (!STANDARD_PORTS.has(port) && !addresses.every((a) => allowedBy(policy.allow, host, a.address, port, true))) refusePort();
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'public' || allowedBy(policy.allow, host, address, port, false)) continue;
    const what = address === host ? `${address} is a ${kind} address` : `${host} resolves to ${address}, a ${kind} address`;
    fail(`refused to fetch ${show(url)}: ${what} (list it in SEARCH_FETCH_ALLOW if it is meant to be reached)`);
  }
  const first = addresses[0]!;
  return { url, host, port, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Fetch a page as text under the policy. Throws ProviderError (refused, timed out, too large, not text, HTTP error). */
export async function guardedFetch(raw: string, policy: FetchPolicy, signal?: AbortSignal): Promise<FetchedPage> {
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const deadline = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const maxRedirects = policy.maxRedirects ?? 3;
  const redirects: string[] = [];
  let current: string | URL = raw;
  try {
    for (;;) {
      const target = await checkTarget(current, policy, deadline);
      const res = await send(target, policy, deadline);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.destroy();
        if (redirects.length >= maxRedirects) fail(`${show(raw)} redirected more than ${maxRedirects} times; not followed further`);
        redirects.push(target.url.href);
        try {
          current = new URL(res.headers.location, target.url);
        } catch {
          fail(`${show(target.url)} redirected to an unreadable location`);
        }
        continue;
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        fail(`${show(target.url)} answered HTTP ${status}`, { status, retryable: status === 429 || status >= 500 });
      }
      const contentType = String(res.headers['content-type'] ?? '');
      const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
      if (!ALLOWED_TYPES.has(mediaType)) {
        res.destroy();
        fail(`${show(target.url)} is ${mediaType || 'of no stated type'}, not text/html or text/plain; not read`);
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        res.destroy();
        fail(`${show(target.url)} is ${declared} bytes, more than SEARCH_MAX_PAGE_BYTES (${policy.maxBytes}); not read`);
      }
      const body = await readCapped(res, policy.maxBytes, target.url, deadline);
      return {
        url: target.url.href,
        status,
        mediaType: mediaType === 'text/plain' ? 'text/plain' : 'text/html',
        body: decode(body, /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]),
        bytes: body.length,
        redirects,
        address: target.address,
      };
    }
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    if (timeout.aborted) fail(`fetching ${show(raw)} took longer than SEARCH_TIMEOUT (${policy.timeoutMs} ms); abandoned`, { retryable: true, cause: error });
    if (signal?.aborted) fail(`fetching ${show(raw)} was cancelled`, { cause: error });
    const code = (error as { code?: string }).code;
    return fail(`fetching ${show(raw)} failed (${code ?? (error as Error).message})`, { retryable: true, cause: error });
  }
}

function send(target: CheckedTarget, policy: FetchPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  // the connection goes to the checked address, whatever the resolver would say now
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target.url, {
      method: 'GET',
      lookup: pinned,
      agent: false,
      signal,
      ...(policy.ca && target.url.protocol === 'https:' ? { ca: policy.ca } : {}),
      headers: {
        'user-agent': policy.userAgent ?? 'studio-evidence/1.0 (research; +https://github.com/)',
        accept: 'text/html, text/plain;q=0.9',
        'accept-encoding': 'gzip, deflate, br',
      },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number, url: URL, signal: AbortSignal): Promise<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
  let stream: Readable = res;
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (decoder) {
    res.on('error', (error) => decoder.destroy(error));
    stream = res.pipe(decoder);
  } else if (encoding !== 'identity') {
    res.destroy();
    fail(`${show(url)} is sent with content-encoding ${encoding}, which is not read`);
  }
  const onAbort = () => {
    res.destroy(signal.reason as Error);
    decoder?.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        res.destroy();
        decoder?.destroy();
        fail(`${show(url)} passed SEARCH_MAX_PAGE_BYTES (${maxBytes} bytes); the download was stopped`);
      }
      chunks.push(chunk as Buffer);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks);
}

function decode(body: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset?.toLowerCase() ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
