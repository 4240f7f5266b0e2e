/**
 * The shapes of a search API's answer, checked with zod at the edge: the result list (ours, Brave's or
 * Bing's) and one hit in it. Loaded with the first search, so commands that never search skip zod.
 */
import { z } from 'zod';

/** One hit as the APIs write it; the fields each API names differently are all optional. */
export const item = z
  .object({
    url: z.string(),
    title: z.string().nullish(),
    name: z.string().nullish(),
    snippet: z.string().nullish(),
    description: z.string().nullish(),
    published: z.string().nullish(),
    publishedAt: z.string().nullish(),
    page_age: z.string().nullish(),
    datePublished: z.string().nullish(),
  })
  .passthrough();
export type Item = z.infer<typeof item>;

/** The result list of an answer, whichever API wrote it. */
export const answer = z.union([
  z.object({ results: z.array(z.unknown()) }).transform((a) => a.results),
  z.object({ web: z.object({ results: z.array(z.unknown()) }) }).transform((a) => a.web.results),
  z.object({ webPages: z.object({ value: z.array(z.unknown()) }) }).transform((a) => a.webPages.value),
  // Brave answers without a `web` section when nothing was found
  z.object({ type: z.literal('search') }).transform(() => [] as unknown[]),
]);
