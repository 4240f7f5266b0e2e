/** Pipeline test helpers: stage dependencies over a test database, a small evidence corpus, rich ideas. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import type { Config } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Database } from '../../src/core/ports.js';
import { createSentinel } from '../../src/pipeline/budget/sentinel.js';
import type { StageDeps } from '../../src/pipeline/stages/context.js';
import { createOfflineProviders } from '../../src/providers/offline/index.js';

/** Real sentinel and offline providers; config overrides for the pipeline and budget. */
export function pipelineDeps(db: Database, config: Config, overrides: { pipeline?: Partial<Config['pipeline']>; budget?: Partial<Config['budget']> } = {}): StageDeps {
  const merged: Config = { ...config, pipeline: { ...config.pipeline, ...overrides.pipeline }, budget: { ...config.budget, ...overrides.budget } };
  return {
    db,
    config: merged,
    clock: systemClock,
    logger: silentLogger(),
    budget: createSentinel({ db, config: merged, clock: systemClock, logger: silentLogger() }),
    providers: createOfflineProviders(merged),
  };
}

const DOCS: Array<[string, string, string, string]> = [
  ['market_research', 'https://www.census.gov/t/bakery-market', 'Bakery ordering market', 'Independent bakeries sell bread, cakes and pastries; online ordering for bakeries is a $3 billion market. Bakery owners want online ordering, pickup slots and fewer phone orders.'],
  ['market_research', 'https://www.reuters.com/t/bakery-demand', 'Bakery customers order online', 'Bakery customers increasingly order cakes and bread online for pickup; bakeries with online ordering grow sales and reduce phone orders.'],
  ['market_research', 'https://www.bloomberg.com/t/bakery-pickup', 'Pickup slots at bakeries', 'Bakeries that offer online ordering with pickup slots sell out less and waste less bread; owners of independent bakeries report demand for simple ordering tools.'],
  ['technology_trends', 'https://arxiv.org/abs/t-bakery-forecast', 'Demand forecasting for bakeries', 'Machine learning forecasts bakery demand for bread and pastries from online ordering data, reducing waste at independent bakeries.'],
  ['technology_trends', 'https://www.stanford.edu/t/bakery-ordering-tech', 'Online ordering technology for bakeries', 'Online ordering widgets and pickup scheduling APIs let independent bakeries take orders for cakes and bread without a developer.'],
  ['business_validation', 'https://www.harvard.edu/t/bakery-pricing', 'What bakeries pay for ordering software', 'Independent bakery owners pay a monthly subscription of $30 to $80 for online ordering with pickup slots when it cuts phone orders and waste.'],
  ['business_validation', 'https://www.mit.edu/t/bakery-interviews', 'Bakery owner interviews', 'Interviews with bakery owners: most would pay a monthly subscription for online ordering for bakeries, cakes and bread pickup.'],
];

/** Write a small corpus about bakery ordering (what `bakeryIdea` is about) into dir; returns dir. */
export function writeBakeryCorpus(dir: string): string {
  mkdirSync(dir, { recursive: true });
  DOCS.forEach(([domain, url, title, body], i) => {
    writeFileSync(join(dir, `doc${i}.md`), `---\ntitle: ${title}\nurl: ${url}\npublished: ${new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10)}\ndomain: ${domain}\n---\n\n${body}\n`);
  });
  return dir;
}

/** A rich idea that passes every gate against the bakery corpus; n makes titles distinct. */
export function bakeryIdea(n: number, createdBy = 'tester') {
  const flavours = ['sourdough', 'croissant', 'baguette', 'brioche', 'cupcake', 'pretzel', 'bagel', 'muffin', 'scone', 'strudel', 'eclair', 'donut'];
  const f = flavours[n % flavours.length]!;
  return {
    title: `Online ordering ${f} ${n} for independent bakeries`,
    description: `Online ordering for independent bakeries: customers order ${f} bread and cakes online and pick up in a chosen slot, so bakeries get fewer phone orders and waste less bread.`,
    problem: 'Independent bakeries take orders by phone, sell out or waste bread, and lose customers who want to order online.',
    solution: 'An online ordering page with pickup slots and demand forecasting for bakeries; monthly subscription of $49 per bakery, built by a founder team with years of bakery experience.',
    market: 'Independent bakeries and cake shops in the US',
    category: 'ecommerce',
    createdBy,
  };
}
