/**
 * `studio evidence ingest`: read markdown/text files, split them into chunks, embed the chunks (one
 * batch per document, charged through the budget sentinel) and store them in the evidence corpus.
 * A file needs a source URL (front matter `url:` or the first http(s) link in it) and a research domain
 * (front matter `domain:` or the --domain option), so every piece of evidence can be cited.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { stripControls } from '../../core/terminal-text.js';
import { InvalidInputError } from '../../core/errors.js';
import type { Database } from '../../core/ports.js';
import { RESEARCH_DOMAINS, type Embedder, type ResearchDomain } from '../../core/providers.js';
import type { Sentinel } from '../budget/sentinel.js';
import { costCents, estimateEmbeddingCents } from '../budget/pricing.js';
import { documentHash, upsertDocument, vectorsByContentHash, type EvidenceDocument } from '../../storage/evidence.js';

export interface ParsedDocument {
  title: string;
  url: string;
  domain: ResearchDomain;
  publishedAt: string | null;
  body: string;
}

/** Front matter (`---` key: value lines `---`) and body. */
export function parseDocument(text: string, fallback: { title: string; domain?: ResearchDomain }): ParsedDocument {
  const meta: Record<string, string> = {};
  let body = text.replace(/\r\n?/g, '\n');
  const front = /^---\n([\s\S]*?)\n---\n?/.exec(body);
  if (front) {
    for (const line of front[1]!.split('\n')) {
      const match = /^([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
      if (match) meta[match[1]!.toLowerCase()] = match[2]!.trim().replace(/^["']|["']$/g, '');
    }
    body = body.slice(front[0].length);
  }
  const heading = /^#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const url = meta.url ?? meta.source ?? /https?:\/\/[^\s)>\]]+/.exec(body)?.[0];
  if (!url || !/^https?:\/\//.test(url)) throw new InvalidInputError(`evidence: ${fallback.title} has no source URL; add "url: https://..." to its front matter so it can be cited`);
  const domain = (meta.domain ?? fallback.domain) as ResearchDomain | undefined;
  if (!domain || !RESEARCH_DOMAINS.includes(domain)) {
    throw new InvalidInputError(`evidence: ${fallback.title} needs a research domain (front matter "domain:" or --domain): one of ${RESEARCH_DOMAINS.join(', ')}`);
  }
  const published = meta.published ?? meta.date ?? meta.published_at ?? null;
  if (published && Number.isNaN(Date.parse(published))) throw new InvalidInputError(`evidence: ${fallback.title} has an unreadable date "${published}" (use YYYY-MM-DD)`);
  return { title: meta.title ?? heading ?? fallback.title, url, domain, publishedAt: published ? new Date(published).toISOString().slice(0, 10) : null, body: body.trim() };
}

/** Paragraph-aligned chunks of about `size` characters, each prefixed by its document title. */
export function chunkText(title: string, body: string, size = 800): string[] {
  const paragraphs = body.split(/\n{2,}/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const chunks: string[] = [];
  let current = '';
  for (const paragraph of paragraphs) {
    if (current && current.length + paragraph.length + 1 > size) {
      chunks.push(current);
      current = '';
    }
    if (paragraph.length > size) {
      for (let i = 0; i < paragraph.length; i += size) chunks.push(paragraph.slice(i, i + size));
      continue;
    }
    current = current ? `${current} ${paragraph}` : paragraph;
  }
  if (current) chunks.push(current);
  return chunks.map((chunk) => `${title}. ${chunk}`);
}

/** The files a list of paths names: files as they are, directories walked for .md / .markdown / .txt. */
export function expandPaths(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(path);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new InvalidInputError(`evidence: ${path} does not exist`);
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(full).sort()) {
        const child = join(full, entry);
        if (statSync(child).isDirectory()) files.push(...expandPaths([child]));
        else if (['.md', '.markdown', '.txt'].includes(extname(entry).toLowerCase())) files.push(child);
      }
    } else files.push(full);
  }
  return files;
}

export interface IngestResult {
  file: string;
  title: string;
  domain: ResearchDomain;
  chunks: number;
  status: 'ingested' | 'unchanged';
}

export async function ingestEvidence(
  deps: { db: Database; embedder: Embedder; budget: Sentinel },
  paths: string[],
  options: { domain?: ResearchDomain } = {},
): Promise<IngestResult[]> {
  const files = expandPaths(paths);
  if (files.length === 0) throw new InvalidInputError('evidence: no .md, .markdown or .txt files in the paths given');
  // parse everything first: one bad file refuses the whole run before anything is written or charged
  const parsed = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    // evidence text is quoted in decks and printed by studio show: its control characters go here
    const doc = parseDocument(stripControls(text), { title: basename(file), domain: options.domain });
    return { file, doc, hash: createHash('sha256').update(text).digest('hex'), chunks: chunkText(doc.title, doc.body) };
  });
  const results: IngestResult[] = [];
  for (const { file, doc, hash, chunks } of parsed) {
    if ((await documentHash(deps.db, file)) === hash) {
      results.push({ file, title: doc.title, domain: doc.domain, chunks: chunks.length, status: 'unchanged' });
      continue;
    }
    await embedAndStore(deps, { source: file, url: doc.url, title: doc.title, domain: doc.domain, publishedAt: doc.publishedAt, contentHash: hash }, chunks, { metadata: { file: basename(file) } });
    results.push({ file, title: doc.title, domain: doc.domain, chunks: chunks.length, status: 'ingested' });
  }
  return results;
}

/**
 * Embed a document's chunks in one batch, charged through the budget sentinel (idempotency key
 * `evidence:<content hash>:embed`), and store document and chunks in one transaction. Ingest and web
 * evidence search both come through here.
 *
 * The same text is never paid for twice: when the key is already taken, another run has embedded (or is
 * embedding) this text, and its stored vectors are reused instead of calling the embedder again — after
 * waiting for them when that run is still in flight (two ideas finding the same web page at once). Only
 * when that run paid and then died before storing anything is the text embedded again, charged under a
 * key of its own, so the ledger still matches what was billed.
 */
export async function embedAndStore(
  deps: { db: Database; embedder: Embedder; budget: Sentinel },
  doc: EvidenceDocument,
  chunks: string[],
  options: { metadata?: Record<string, unknown>; ideaId?: string; critical?: boolean; signal?: AbortSignal; waitMs?: number } = {},
): Promise<void> {
  const model = deps.embedder.info.model;
  const key = `evidence:${doc.contentHash}:embed`;
  const request = (idempotencyKey: string) => ({
    category: 'openai_tokens' as const,
    service: deps.embedder.info.offline ? 'offline' : 'openai',
    operation: 'evidence.embed',
    estimateCents: estimateEmbeddingCents(model, chunks),
    idempotencyKey,
    ideaId: options.ideaId,
    critical: options.critical,
    metadata: { ...options.metadata, offline: deps.embedder.info.offline },
  });
  const embed = async () => {
    const out = await deps.embedder.embed(chunks, { signal: options.signal });
    return { result: out.vectors, actualCents: costCents(out.model, { inputTokens: out.usage.inputTokens }) };
  };
  const reservation = await deps.budget.reserve(request(key));
  let vectors: number[][];
  if (!reservation.replayed) {
    let outcome;
    try {
      outcome = await embed();
    } catch (error) {
      await deps.budget.release(reservation.id, `call failed: ${(error as Error).message?.slice(0, 200)}`).catch(() => undefined);
      throw error;
    }
    await deps.budget.settle(reservation.id, outcome.actualCents);
    vectors = outcome.result;
  } else {
    // in flight elsewhere: wait for its call; settled: its store follows at once (a crash leaves nothing)
    const waitMs = reservation.state === 'reserved' ? (options.waitMs ?? 60_000) : Math.min(options.waitMs ?? 10_000, 10_000);
    const shared = await waitForVectors(deps.db, doc.contentHash, chunks.length, waitMs, options.signal);
    vectors = shared ?? (await deps.budget.guard(request(`${key}:again:${randomUUID()}`), embed));
  }
  await deps.db.withTransaction((tx) => upsertDocument(tx, doc, chunks.map((content, i) => ({ content, embedding: vectors[i]! }))));
}

/** The stored vectors of this text, waiting up to `waitMs` for a run still embedding it. */
async function waitForVectors(db: Database, contentHash: string, count: number, waitMs: number, signal?: AbortSignal): Promise<number[][] | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await vectorsByContentHash(db, contentHash);
    if (found && found.length === count) return found;
    if (Date.now() >= deadline) return undefined;
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * When the corpus is empty, ingest the sample corpus shipped in `examples/corpus` (a fresh install can
 * research out of the box). Returns how many documents were ingested.
 */
export async function seedSampleCorpus(deps: { db: Database; embedder: Embedder; budget: Sentinel; logger?: { info(o: object, m: string): void } }): Promise<number> {
  const { corpusStats } = await import('../../storage/evidence.js');
  if ((await corpusStats(deps.db)).length > 0) return 0;
  const { packageRoot } = await import('../../core/package-root.js');
  const dir = join(packageRoot(), 'examples', 'corpus');
  try {
    statSync(dir);
  } catch {
    return 0;
  }
  const results = await ingestEvidence(deps, [dir]);
  deps.logger?.info({ documents: results.length, dir }, 'evidence: the corpus was empty; ingested the sample corpus');
  return results.length;
}
