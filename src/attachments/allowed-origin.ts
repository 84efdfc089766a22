/**
 * Whether `url` is at one of the `allowed` origins: an exact origin (`https://cdn.discordapp.com`), or a wildcard
 * (`https://*.slack.com`) for a domain and all its subdomains, on that scheme and its default port only. A URL with a
 * user name or password never is: `https://files.slack.com@evil.example/` is evil.example, and is refused anyway, but
 * credentials in a file link are never something to send on.
 */
export function isAllowedOrigin(url: URL, allowed: readonly string[]): boolean {
  if (url.username || url.password) return false;
  return allowed.some((entry) => {
    const wildcard = /^(https?:)\/\/\*\.([a-z0-9.-]+)$/.exec(entry);
    if (!wildcard) return entry === url.origin;
    const [, protocol, domain] = wildcard as unknown as [string, string, string];
    return url.protocol === protocol && url.port === '' && (url.hostname === domain || url.hostname.endsWith(`.${domain}`));
  });
}
