/** `studio evidence ingest | status`: the local evidence corpus RESEARCH retrieves from. */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { RESEARCH_DOMAINS, type ResearchDomain } from '../core/providers.js';
import { action, withApp } from './run.js';
import { c, printJson, println, table } from './output.js';

export function registerEvidence(program: Command): void {
  const evidence = program.command('evidence').description('the evidence corpus for research: ingest documents, see what is in it');

  evidence
    .command('ingest')
    .description('chunk and embed markdown / text files (or directories of them) into the evidence corpus')
    .argument('<paths...>', 'files or directories (.md, .markdown, .txt)')
    .option('--domain <domain>', `research domain for files without one in their front matter: ${RESEARCH_DOMAINS.join(', ')}`)
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Each file needs a source URL to cite (front matter "url:", or the first link in it); front matter may
also give title, domain and published (YYYY-MM-DD). Unchanged files are skipped; changed ones replaced.
If any file is unreadable or lacks a URL or domain, nothing is ingested.

Examples:
  studio evidence ingest examples/corpus
  studio evidence ingest notes/market.md --domain market_research`)
    .action(
      action(async (paths: string[], opts: { domain?: string; json?: boolean }) => {
        if (opts.domain && !RESEARCH_DOMAINS.includes(opts.domain as ResearchDomain)) throw new InvalidInputError(`evidence: unknown domain "${opts.domain}"; use one of ${RESEARCH_DOMAINS.join(', ')}`);
        return withApp({ logBase: { cmd: 'evidence ingest' } }, async (app) => {
          const { ingestEvidence } = await import('../pipeline/evidence/ingest.js');
          const results = await ingestEvidence({ db: app.db, embedder: app.providers.embedder, budget: app.budget }, paths, { domain: opts.domain as ResearchDomain | undefined });
          if (opts.json) return void printJson(results);
          println(table(['status', 'domain', 'chunks', 'title'], results.map((r) => [r.status === 'ingested' ? c.green(r.status) : c.dim(r.status), r.domain, String(r.chunks), r.title]), { align: ['left', 'left', 'right'] }));
          println(`\n${results.filter((r) => r.status === 'ingested').length} ingested, ${results.filter((r) => r.status === 'unchanged').length} unchanged${app.providers.embedder.info.offline ? c.dim(' (offline embeddings)') : ''}`);
        });
      }),
    );

  evidence
    .command('status')
    .description('documents and chunks per research domain')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio evidence status')
    .action(
      action(async (opts: { json?: boolean }) =>
        withApp({ logBase: { cmd: 'evidence status' } }, async (app) => {
          const { evidenceStatus } = await import('../app/operations/ideas.js');
          const rows = await evidenceStatus(app);
          if (opts.json) return void printJson(rows);
          if (rows.length === 0) return void println('the evidence corpus is empty: studio evidence ingest examples/corpus');
          println(table(['domain', 'documents', 'chunks'], rows.map((r) => [r.domain, String(r.documents), String(r.chunks)]), { align: ['left', 'right', 'right'] }));
        }),
      ),
    );
}
