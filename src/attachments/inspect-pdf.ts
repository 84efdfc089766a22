import { FILE_LIMITS } from './attachment-limits.js';
import { FileUnreadable } from './file-unreadable.js';

/**
 * How many pages a PDF has, read with Mozilla's PDF.js (pdfjs-dist, Apache-2.0): the API limits pages per request,
 * and refuses password-protected PDFs ("Standard PDF (no passwords/encryption)",
 * https://platform.claude.com/docs/en/build-with-claude/pdf-support). A PDF that PDF.js cannot open, or that takes
 * longer than FILE_LIMITS.readTimeoutMs to, is refused here with its reason instead of failing the model call.
 * Scripts in the PDF are never evaluated (isEvalSupported: false).
 */
export async function countPdfPages(data: Buffer): Promise<number> {
  const { getDocument, VerbosityLevel } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // PDF.js takes ownership of the array it is given (it may detach it): a copy, so the caller's bytes stay.
  const task = getDocument({
    data: new Uint8Array(data),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: VerbosityLevel.ERRORS,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FileUnreadable('it took too long to open (a damaged or deliberately heavy PDF?)')), FILE_LIMITS.readTimeoutMs);
  });
  try {
    const document = await Promise.race([task.promise, timeout]);
    return document.numPages;
  } catch (error) {
    if (error instanceof FileUnreadable) throw error;
    const name = (error as Error)?.name;
    if (name === 'PasswordException') throw new FileUnreadable('it is protected by a password');
    throw new FileUnreadable(`it is a damaged PDF (${String((error as Error)?.message ?? error).slice(0, 100)})`);
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => {});
  }
}
