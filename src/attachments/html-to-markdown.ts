import { decodeXml } from './decode-xml.js';

/**
 * Markdown from the small, well-formed HTML mammoth writes (h1–h6, p, strong, em, a, ul/ol/li, table/tr/th/td, br,
 * img): not a general HTML converter, which mammoth's output does not need.
 */
export function htmlToMarkdown(html: string): string {
  let out = html;
  // Tables first: each row a Markdown row, the first one the header.
  out = out.replace(/<table>([\s\S]*?)<\/table>/g, (_m, body: string) => {
    const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => inline(c[1]!).replace(/\|/g, '\\|').replace(/\n+/g, ' ').trim()),
    );
    if (rows.length === 0) return '';
    const width = Math.max(...rows.map((r) => r.length));
    const line = (cells: string[]) => `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`;
    return `\n\n${[line(rows[0]!), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n')}\n\n`;
  });
  out = out.replace(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g, (_m, level: string, text: string) => `\n\n${'#'.repeat(Number(level))} ${inline(text)}\n\n`);
  out = lists(out);
  out = out.replace(/<p[^>]*>([\s\S]*?)<\/p>/g, (_m, text: string) => `\n\n${inline(text)}\n\n`);
  out = inline(out);
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

/** Nested lists, innermost first, indented two spaces a level. */
function lists(html: string): string {
  let out = html;
  for (let guard = 0; guard < 50 && /<(ul|ol)>/.test(out); guard++) {
    out = out.replace(/<(ul|ol)>((?:(?!<ul>|<ol>)[\s\S])*?)<\/\1>/g, (_m, kind: string, body: string) => {
      let n = 0;
      const items = [...body.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((li) => {
        const [first = '', ...rest] = inline(li[1]!).trim().split('\n');
        n++;
        return `${kind === 'ol' ? `${n}.` : '-'} ${first}${rest.map((l) => `\n  ${l}`).join('')}`;
      });
      return `\n${items.join('\n')}\n`;
    });
  }
  return out;
}

function inline(html: string): string {
  return decodeXml(
    html
      .replace(/<br\s*\/?>/g, '\n')
      .replace(/<(strong|b)>([\s\S]*?)<\/\1>/g, '**$2**')
      .replace(/<(em|i)>([\s\S]*?)<\/\1>/g, '_$2_')
      .replace(/<a [^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g, (_m, href: string, text: string) => (href.startsWith('#') ? text : `[${text}](${href})`))
      .replace(/<img [^>]*>/g, '[image]')
      .replace(/<(?!\/?(?:ul|ol|li)>)[^>]+>/g, ''),
  );
}
