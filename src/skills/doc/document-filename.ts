import { createHash } from 'node:crypto';

const MAX_SLUG = 60;

/**
 * The attachment's name: an ASCII slug of the title (`release-checklist.md`), `-v2` and on for revisions. Letters
 * outside ASCII (a Chinese title) cannot be spelled safely in every platform's file names, so a short hash of the
 * title stands in for them: `document-3f2a1c.md`, or `api-3f2a1c.md` for "API 设计".
 */
export function documentFilename(title: string, version: number): string {
  const ascii = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let slug = ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  // Anything dropped other than spacing and punctuation (CJK, Cyrillic…): name the title by a hash as well.
  const dropped = /[^\p{P}\p{S}\p{Z}\p{Cc}A-Za-z0-9]/u.test(ascii.replace(/[A-Za-z0-9]/g, ''));
  if (dropped || !slug) {
    const hash = createHash('sha256').update(title).digest('hex').slice(0, 6);
    slug = slug ? `${slug}-${hash}` : `document-${hash}`;
  }
  return version > 1 ? `${slug}-v${version}.md` : `${slug}.md`;
}
