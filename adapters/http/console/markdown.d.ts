/** Types of markdown.js (plain JS, so the browser loads it without a build step). */
export function escapeHtml(text: string): string;
export function renderMarkdown(markdown: string): string;
