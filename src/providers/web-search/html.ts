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
  // [^<>]: each attempt stops at the next "<", so the time stays linear on a run of unclosed "<"
  return decodeEntities(text.replace(/<[^<>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

/** Elements whose content is not text for evidence. */
const DROP = new Set(['head', 'title', 'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'nav', 'header', 'footer', 'aside', 'form', 'select', 'button', 'textarea']);
/** Elements that start a new paragraph. */
const BLOCK = new Set(['p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'tr', 'table', 'thead', 'tbody', 'section', 'article', 'main', 'blockquote', 'pre', 'figure', 'figcaption', 'hr', 'address', 'details', 'summary']);
const TAG_NAME = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)/;

/**
 * One pass over the markup with `indexOf` only (no backtracking regular expression over the page), so
 * the time is linear in the page size whatever the markup — unclosed tags and comments included.
 */
export function htmlToText(html: string): { title: string | null; text: string } {
  const lower = html.toLowerCase();
  const titleAt = lower.indexOf('<title');
  const titleOpenEnd = titleAt < 0 ? -1 : html.indexOf('>', titleAt);
  const titleEnd = titleOpenEnd < 0 ? -1 : lower.indexOf('</title', titleOpenEnd);
  const title = titleEnd < 0 ? null : stripTags(html.slice(titleOpenEnd + 1, titleEnd)) || null;

  const parts: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      parts.push(html.slice(i));
      break;
    }
    parts.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break; // an unclosed comment runs to the end, as in a browser
      i = end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      // <!doctype ...>, <![CDATA[ ...]]>, <?xml ...?>
      const end = html.indexOf('>', lt);
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    const tag = TAG_NAME.exec(html.slice(lt, lt + 64));
    if (!tag) {
      parts.push('<'); // "a < b" in text
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) break;
    i = gt + 1;
    const name = tag[2]!.toLowerCase();
    if (tag[1] !== '/' && DROP.has(name) && html[gt - 1] !== '/') {
      // skip to its closing tag (script text may hold "<" and ">", so search for the closing tag itself)
      const close = lower.indexOf(`</${name}`, i);
      if (close < 0) break;
      const closeEnd = html.indexOf('>', close);
      i = closeEnd < 0 ? html.length : closeEnd + 1;
      parts.push(' ');
      continue;
    }
    parts.push(name === 'br' ? '\n' : BLOCK.has(name) ? '\n\n' : ' ');
  }
  const text = decodeEntities(parts.join(''))
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, text };
}
