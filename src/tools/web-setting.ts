import type { ChannelSettings } from '../domain/channel-settings.js';
import { UserFacingError } from '../domain/errors.js';
import { parseDomains } from './web-domains.js';

const WEB_USAGE = 'Web settings: `config web search on|off`, `config web fetch on|off`, `config web allow <domains>|none`, `config web block <domains>|none`.';

/** A `config web …` change: which web tool goes on or off, or which domains are allowed or blocked. */
export function webChange(current: ChannelSettings, value: string): { settings: Partial<ChannelSettings>; description: string } {
  const [what = '', ...rest] = value.split(/\s+/);
  const arg = rest.join(' ').trim();
  switch (what.toLowerCase()) {
    case 'search':
    case 'fetch': {
      const on = arg.toLowerCase();
      if (on !== 'on' && on !== 'off') throw new UserFacingError(`Web ${what.toLowerCase()} is \`on\` or \`off\`.`);
      const key = what.toLowerCase() === 'search' ? 'webSearch' : 'webFetch';
      return { settings: { [key]: on === 'on' }, description: `web ${what.toLowerCase()} ${on}` };
    }
    case 'allow':
    case 'block': {
      const allow = what.toLowerCase() === 'allow';
      const domains = parseDomains(arg);
      // "You can use either allowed_domains or blocked_domains, but not both in the same request"
      // (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool, "Domain filtering").
      const other = allow ? current.webBlockedDomains : current.webAllowedDomains;
      if (domains.length && other.length) {
        throw new UserFacingError(
          `This channel already ${allow ? 'blocks' : 'allows only'} ${other.join(', ')}. Anthropic's web tools take allowed or blocked ` +
            `domains, not both: clear that list first with \`config web ${allow ? 'block' : 'allow'} none\`.`,
        );
      }
      const key = allow ? 'webAllowedDomains' : 'webBlockedDomains';
      const description = domains.length ? `web ${allow ? 'allowed' : 'blocked'} domains set to ${domains.join(', ')}` : `web ${allow ? 'allowed' : 'blocked'} domains cleared`;
      return { settings: { [key]: domains }, description };
    }
    default:
      throw new UserFacingError(WEB_USAGE);
  }
}

/** One line for `config show`. */
export function describeWeb(s: ChannelSettings): string {
  const tools = [s.webSearch ? 'search on' : 'search off', s.webFetch ? 'fetch on' : 'fetch off'].join(', ');
  const domains = s.webAllowedDomains.length
    ? `; only ${s.webAllowedDomains.join(', ')}`
    : s.webBlockedDomains.length
      ? `; never ${s.webBlockedDomains.join(', ')}`
      : '';
  return tools + domains;
}
