/**
 * A fetched HTML page reduced to its title and readable text: scripts, styles, navigation, headers and
 * footers dropped, block elements turned into paragraph breaks (which `chunkText` splits on), tags
 * removed and entities decoded. Regular expressions, not a DOM: good enough for evidence passages, and
 * bounded by the page size cap. Pure.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘',
  rdquo: '”', ldquo: '“', copy: '©', reg: '®', trade: '™', euro: '€', pound: '£', middot: '·', bull: '•', laquo: '«', raquo: '»',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

/** Tags and entities out of a short piece of markup (a search snippet with <strong> in it). */
export function stripTags(text: string): string {
  return decodeEntities(text.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

const DROP = /<(script|style|noscript|template|svg|iframe|object|nav|header|footer|aside|form|select|button)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /<\/?(p|div|h[1-6]|li|ul|ol|dl|dt|dd|tr|table|thead|tbody|section|article|main|blockquote|pre|figure|figcaption|hr|address|details|summary)\b[^>]*>/gi;

export function htmlToText(html: string): { title: string | null; text: string } {
  const rawTitle = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1];
  const title = rawTitle ? stripTags(rawTitle) || null : null;
  const body = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<head\b[^>]*>[\s\S]*?<\/head\s*>/gi, ' ')
    .replace(DROP, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(BLOCK, '\n\n')
    .replace(/<[^>]*>/g, ' ');
  const text = decodeEntities(body)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, text };
}
