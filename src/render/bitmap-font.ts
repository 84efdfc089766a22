/**
 * A 5×7 bitmap font for printable ASCII (space to `~`), plus one row for descenders, drawn in a 6×9 cell so glyphs
 * never touch. Enough for hex codes, role names and chart labels without a font file or a text-rendering dependency.
 *
 * Only ASCII: a CJK glyph set would be megabytes. Callers that may get other text (palette names are often
 * Chinese) either strip it first or accept `?` in its place; the Markdown answer beside the image carries the
 * original text.
 */

/** Pixel columns of a glyph. */
export const GLYPH_WIDTH = 5;
/** Pixel rows of a glyph: seven down to the baseline, one more for the descenders of g, j, p, q and y. */
export const GLYPH_HEIGHT = 8;
/** Horizontal distance from one character to the next (glyph plus one blank column), before scaling. */
export const CHAR_ADVANCE = GLYPH_WIDTH + 1;

/**
 * One string per character from 0x20 to 0x7E: eight rows, top first, each one base-32 digit whose five bits are the
 * row's pixels, leftmost pixel the highest bit ('v' = 31 = all five on).
 */
const GLYPHS = [
  '00000000', '44444040', 'aaa00000', 'aavavaa0', '4fke5u40', 'op248j30', 'cik8lid0', '44400000', //   ! " # $ % & '
  '24888420', '84222480', '04lel400', '044v4400', '0000c480', '000v0000', '00000cc0', '01248g00', // ( ) * + , - . /
  'ehjlphe0', '4c4444e0', 'eh1248v0', 'v2421he0', '26aiv220', 'vgu11he0', '68guhhe0', 'v1248880', // 0 1 2 3 4 5 6 7
  'ehhehhe0', 'ehhf12c0', '0cc0cc00', '0cc0c480', '248g8420', '00v0v000', '84212480', 'eh124040', // 8 9 : ; < = > ?
  'eh1dlle0', 'ehhvhhh0', 'uhhuhhu0', 'ehggghe0', 'sihhhis0', 'vgguggv0', 'vgguggg0', 'ehgnhhf0', // @ A B C D E F G
  'hhhvhhh0', 'e44444e0', '72222ic0', 'hikokih0', 'ggggggv0', 'hrllhhh0', 'hhpljhh0', 'ehhhhhe0', // H I J K L M N O
  'uhhuggg0', 'ehhhlid0', 'uhhukih0', 'fgge11u0', 'v4444440', 'hhhhhhe0', 'hhhhha40', 'hhhllla0', // P Q R S T U V W
  'hha4ahh0', 'hha44440', 'v1248gv0', 'e88888e0', '0g842100', 'e22222e0', '4ah00000', '000000v0', // X Y Z [ \ ] ^ _
  '84200000', '00e1fhf0', 'ggmphhu0', '00egghe0', '11djhhf0', '00ehvge0', '698s8880', '00fhhf1e', // ` a b c d e f g
  'ggmphhh0', '40c444e0', '206222ic', 'ggikoki0', 'c44444e0', '00qllhh0', '00mphhh0', '00ehhhe0', // h i j k l m n o
  '00uhhugg', '00fhhf11', '00mpggg0', '00ege1u0', '88s88960', '00hhhjd0', '00hhha40', '00hhlla0', // p q r s t u v w
  '00ha4ah0', '00hhhf1e', '00v248v0', '24484420', '44444440', '84424480', '008l2000', // x y z { | } ~
];

const FIRST = 0x20;
const LAST = 0x7e;
const FALLBACK = '?';

/** The glyph's eight rows as 5-bit masks (bit 4 = leftmost pixel); any character outside printable ASCII draws as `?`. */
export function glyphRows(char: string): readonly number[] {
  const code = char.codePointAt(0) ?? 0;
  const index = code >= FIRST && code <= LAST ? code - FIRST : FALLBACK.charCodeAt(0) - FIRST;
  return [...GLYPHS[index]!].map((digit) => parseInt(digit, 32));
}

/** Whether the text draws exactly as written (printable ASCII only). */
export function isDrawable(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** Width in pixels of `text` drawn at `scale`, without the blank column after the last character. */
export function textWidth(text: string, scale = 1): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : (chars * CHAR_ADVANCE - 1) * scale;
}

/** `text`, cut and ended with `..` when needed so it is at most `maxWidth` pixels wide at `scale`. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  const chars = [...text];
  if (textWidth(text, scale) <= maxWidth) return text;
  const room = Math.floor((maxWidth / scale + 1) / CHAR_ADVANCE);
  if (room <= 2) return chars.slice(0, Math.max(0, room)).join('');
  return `${chars.slice(0, room - 2).join('')}..`;
}
