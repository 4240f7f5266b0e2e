/** SQL of the evidence corpus: documents, their embedded chunks, and retrieval by cosine similarity. */
import type { Queryable } from '../core/ports.js';
import type { ResearchDomain } from '../core/providers.js';
import { vectorLiteral } from './ideas.js';

export interface EvidenceDocument {
  source: string;
  url: string;
  title: string;
  domain: ResearchDomain;
  publishedAt: string | null;
  contentHash: string;
}

/** Replace a document and its chunks (re-ingesting a changed file); false when it is unchanged. */
export async function upsertDocument(tx: Queryable, doc: EvidenceDocument, chunks: Array<{ content: string; embedding: number[] }>): Promise<boolean> {
  const existing = await tx.query<{ id: number; content_hash: string }>('select id, content_hash from evidence_documents where source = $1 for update', [doc.source]);
  if (existing.rows[0]?.content_hash === doc.contentHash) return false;
  if (existing.rows[0]) await tx.query('delete from evidence_documents where id = $1', [existing.rows[0].id]);
  const inserted = await tx.query<{ id: number }>(
    `insert into evidence_documents (source, url, title, domain, published_at, content_hash) values ($1, $2, $3, $4, $5, $6) returning id`,
    [doc.source, doc.url, doc.title, doc.domain, doc.publishedAt, doc.contentHash],
  );
  const id = inserted.rows[0]!.id;
  for (let i = 0; i < chunks.length; i++) {
    await tx.query('insert into evidence_chunks (document_id, chunk_index, domain, content, embedding) values ($1, $2, $3, $4, $5::vector)', [
      id,
      i,
      doc.domain,
      chunks[i]!.content,
      vectorLiteral(chunks[i]!.embedding),
    ]);
  }
  return true;
}

export async function documentHash(db: Queryable, source: string): Promise<string | undefined> {
  const result = await db.query<{ content_hash: string }>('select content_hash from evidence_documents where source = $1', [source]);
  return result.rows[0]?.content_hash;
}

/** The chunk vectors of a stored document with this content hash (in chunk order), if there is one. */
export async function vectorsByContentHash(db: Queryable, contentHash: string): Promise<number[][] | undefined> {
  const result = await db.query<{ embedding: string }>(
    `select c.embedding::text as embedding from evidence_chunks c
      where c.document_id = (select id from evidence_documents where content_hash = $1 order by id limit 1)
      order by c.chunk_index`,
    [contentHash],
  );
  return result.rows.length > 0 ? result.rows.map((r) => JSON.parse(r.embedding) as number[]) : undefined;
}

/** Whether the corpus holds a document read from this URL (its source or its citation URL), or with this content hash. */
export async function hasDocument(db: Queryable, match: { url: string; contentHash?: string }): Promise<boolean> {
  const result = await db.query<{ id: number }>('select id from evidence_documents where source = $1 or url = $1 or content_hash = $2 limit 1', [match.url, match.contentHash ?? '']);
  return result.rows.length > 0;
}

export interface RetrievedChunk {
  documentId: number;
  title: string;
  url: string;
  publishedAt: string | null;
  domain: ResearchDomain;
  content: string;
  similarity: number;
}

/** The chunks of one research domain nearest to a query vector, best first, one per document. */
export async function retrieve(db: Queryable, vector: readonly number[], domain: ResearchDomain, limit: number): Promise<RetrievedChunk[]> {
  const result = await db.query<{ document_id: number; title: string; url: string; published_at: string | null; domain: ResearchDomain; content: string; distance: number }>(
    `select distinct on (c.document_id) c.document_id, d.title, d.url, to_char(d.published_at, 'YYYY-MM-DD') as published_at, c.domain, c.content, c.distance
       from (select document_id, domain, content, embedding <=> $1::vector as distance from evidence_chunks
              where domain = $2 order by embedding <=> $1::vector limit $3) c
       join evidence_documents d on d.id = c.document_id
      order by c.document_id, c.distance`,
    [vectorLiteral(vector), domain, limit * 4],
  );
  return result.rows
    .map((r) => ({ documentId: r.document_id, title: r.title, url: r.url, publishedAt: r.published_at, domain: r.domain, content: r.content, similarity: 1 - Number(r.distance) }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, limit);
}

export async function corpusStats(db: Queryable): Promise<Array<{ domain: string; documents: number; chunks: number }>> {
  const result = await db.query<{ domain: string; documents: number; chunks: number }>(
    `select d.domain, count(distinct d.id)::int as documents, count(c.id)::int as chunks
       from evidence_documents d left join evidence_chunks c on c.document_id = d.id group by d.domain order by d.domain`,
  );
  return result.rows;
}
