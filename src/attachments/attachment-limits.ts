/**
 * The Messages API's documented limits on files, and Xiaoliu's own (tighter) ones, in one place. Every file is
 * checked against them before a model call, so a file the API would refuse is named in the answer instead of failing
 * the whole request.
 */

/**
 * Largest image the API takes: 5 MB, counted on the base64 text ("image exceeds 5 MB maximum: … bytes > 5242880
 * bytes", the API's 400: https://github.com/anthropics/claude-code/issues/14887; limits on
 * https://platform.claude.com/docs/en/build-with-claude/vision). Base64 is 4/3 of the bytes.
 */
export const API_MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024;

/**
 * "The maximal dimensions per image are 8000x8000 px. If you submit more than 20 images in one API request, this
 * limit is reduced to 2000x2000 px." (https://platform.claude.com/docs/en/build-with-claude/vision#general-limits)
 */
export const API_MAX_IMAGE_EDGE = 8000;
export const API_MAX_IMAGE_EDGE_MANY = 2000;
export const API_MANY_IMAGES = 20;

/** "100 per request on the API, for models with a 200k-token context window" (same page). */
export const API_MAX_IMAGES = 100;

/**
 * "Maximum pages per request: 100 when the request's context window is under 1M tokens" (600 above), and the request
 * size limit, 32 MB on standard endpoints (https://platform.claude.com/docs/en/build-with-claude/pdf-support and
 * https://platform.claude.com/docs/en/build-with-claude/vision: "32 MB for standard endpoints").
 */
export const API_MAX_PDF_PAGES = 100;
export const API_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * "If your image's long edge is more than 1568 pixels, or your image is more than ~1,600 tokens, it will first be
 * scaled down"; "we recommend resizing images to no more than 1.15 megapixels (and within 1568 pixels in both
 * dimensions)" (vision page). Xiaoliu scales down to that itself: the API would anyway, and a smaller image is
 * cheaper to send, store and cache, and always within the 2000 px rule.
 */
export const TARGET_LONG_EDGE = 1568;
export const TARGET_PIXELS = 1_150_000;

/** Image tokens, "tokens = (width px * height px)/750" (vision page, "Calculate image costs"). */
export function imageTokens(width: number, height: number): number {
  return Math.ceil((width * height) / 750);
}

/**
 * A PDF page costs its text ("1,500-3,000 tokens per page depending on content density") plus, as every page is also
 * seen as an image, an image's tokens (https://platform.claude.com/docs/en/build-with-claude/pdf-support#estimate-your-costs).
 * Budgets hold the top of that range.
 */
export const PDF_TOKENS_PER_PAGE = 3_000 + 1_600;

/** Xiaoliu's own limits: what one request carries, so a thread of screenshots stays within the API's. */
export const FILE_LIMITS = {
  /** Files read from one message; more are named as not read. */
  filesPerMessage: 10,
  /** Images in one request, the thread's earlier ones included (the newest are kept): under API_MANY_IMAGES. */
  imagesPerRequest: API_MANY_IMAGES,
  /** PDF pages in one request, all PDFs of the thread together. */
  pdfPagesPerRequest: API_MAX_PDF_PAGES,
  /** Bytes of images and PDFs in one request, as base64: room left under the 32 MB request limit for the rest. */
  requestFileBytes: 24 * 1024 * 1024,
  /** Tokens of attached text files in one request (the thread's text has HISTORY_TOKEN_BUDGET of its own). */
  textTokensPerRequest: 100_000,
  /** Text taken from one file (about 30,000 tokens); the rest is cut off and the answer says so. */
  textChars: 120_000,
  /** Pixels an image may have before it is decoded at all: a small file claiming a huge canvas is a decompression bomb. */
  inputPixels: 100_000_000,
  /** What the parts of an Office file (a zip) may inflate to, all together, and how many parts it may have. */
  zipInflatedBytes: 64 * 1024 * 1024,
  zipEntries: 5_000,
  /** Longest one file's reading (conversion, page count) may take before it is given up as malformed. */
  readTimeoutMs: 20_000,
} as const;
