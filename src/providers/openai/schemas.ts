/**
 * What each text method asks the model for: a JSON schema sent with `response_format` (strict mode: every
 * property required, no extra properties) and the zod schema the answer is checked against at the edge.
 */
import { z } from 'zod';
import { RUBRIC_CRITERIA } from '../../core/providers.js';

const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;
const object = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });

export const SCHEMAS = {
  research_summary: {
    json: object({ summary: str, marketSize: str, risks: strings }),
    zod: z.object({ summary: z.string().min(1), marketSize: z.string().min(1), risks: z.array(z.string()) }),
  },
  deck: {
    json: object({ slides: { type: 'array', items: object({ title: str, body: str, citations: { type: 'array', items: { type: 'integer' } } }) } }),
    zod: z.object({ slides: z.array(z.object({ title: z.string().min(1), body: z.string(), citations: z.array(z.number().int()) })).min(1) }),
  },
  investor_scores: {
    json: object({
      scores: object(Object.fromEntries(RUBRIC_CRITERIA.map((c) => [c, { type: 'number' }]))),
      notes: strings,
    }),
    zod: z.object({
      scores: z.object(Object.fromEntries(RUBRIC_CRITERIA.map((c) => [c, z.number().min(0).max(1)])) as Record<(typeof RUBRIC_CRITERIA)[number], z.ZodNumber>),
      notes: z.array(z.string()),
    }),
  },
  landing_copy: {
    json: object({ headline: str, subheadline: str, bullets: strings, callToAction: str }),
    zod: z.object({ headline: z.string().min(1), subheadline: z.string(), bullets: z.array(z.string()), callToAction: z.string().min(1) }),
  },
  ad_copy: {
    json: object({ headlines: strings, descriptions: strings, keywords: strings }),
    zod: z.object({
      headlines: z.array(z.string().min(1).max(30)).length(3),
      descriptions: z.array(z.string().min(1).max(90)).length(3),
      keywords: z.array(z.string().min(1)).length(5),
    }),
  },
} as const;

export type SchemaName = keyof typeof SCHEMAS;
