import type { IncomingMessage } from 'node:http';
import { readCookie } from './admin-http.js';

export type Lang = 'en' | 'zh';

/** Every string the console shows, in English and Chinese; a key missing in one is a type error. */
const STRINGS = {
  title: ['Xiaoliu admin console', '小柳管理控制台'],
  signIn: ['Sign in', '登录'],
  signInWith: ['Sign in with {0}', '使用 {0} 登录'],
  signInIntro: ['Sign in to see your usage and API keys; admins also manage their workspace here.', '登录后可查看你的用量和 API 密钥；管理员还可在此管理其工作区。'],
  signOut: ['Sign out', '退出登录'],
  signedInAs: ['Signed in as {0}', '已登录：{0}'],
  signInFailed: ['The sign-in did not complete: {0} Try again.', '登录未完成：{0} 请重试。'],
  language: ['Language', '语言'],
  nav: ['Main', '主导航'],
  navUsage: ['Usage', '用量'],
  navChannels: ['Channels', '频道'],
  navFeedback: ['Feedback', '反馈'],
  navAudit: ['Audit log', '审计日志'],
  navKeys: ['API keys', 'API 密钥'],
  navSchedules: ['Schedules', '定时任务'],
  navMcp: ['MCP servers', 'MCP 服务器'],
  navLink: ['Link a chat account', '关联聊天账号'],
  workspace: ['Workspace', '工作区'],
  switchWorkspace: ['Show', '切换'],
  roleAdmin: ['admin', '管理员'],
  roleMember: ['member', '成员'],
  apiWorkspace: ['HTTP API ({0})', 'HTTP API（{0}）'],
  linkTitle: ['Link a chat account', '关联聊天账号'],
  linkHow: [
    'In Slack, Discord or the terminal, send Xiaoliu the message “console link”. It sends you a one-time code by direct message (valid {0} minutes); type it here. The console then uses the roles you have in that workspace.',
    '在 Slack、Discord 或终端中向小柳发送“console link”。它会通过私信发给你一个一次性代码（{0} 分钟内有效）；在此输入。之后控制台将使用你在该工作区的角色。',
  ],
  linkCode: ['Code', '代码'],
  linkSubmit: ['Link', '关联'],
  linkDone: ['Linked: {0} in {1}.', '已关联：{1} 中的 {0}。'],
  linkWrong: ['That code is not valid (wrong, used or expired). Ask for a new one with “console link”.', '代码无效（错误、已使用或已过期）。请发送“console link”获取新代码。'],
  linkTooMany: ['Too many wrong codes: try again in {0} minutes.', '错误次数过多：请 {0} 分钟后再试。'],
  linked: ['Linked accounts', '已关联的账号'],
  noLinks: ['No chat account is linked yet: link one to see your usage and your workspace.', '尚未关联聊天账号：关联后即可查看你的用量和工作区。'],
  usageTitle: ['Usage, last {0} days', '用量（最近 {0} 天）'],
  yourUsageTitle: ['Your usage, last {0} days', '你的用量（最近 {0} 天）'],
  byDay: ['By day (USD)', '按天（美元）'],
  byPerson: ['By person (USD)', '按人（美元）'],
  byChannel: ['By channel (USD)', '按频道（美元）'],
  byModel: ['By model (USD)', '按模型（美元）'],
  chartDesc: ['Bar chart of {0}; the same figures are in the table below it.', '{0} 的柱状图；下方表格列出相同数据。'],
  day: ['Day', '日期'],
  person: ['Person', '人员'],
  channel: ['Channel', '频道'],
  model: ['Model', '模型'],
  usd: ['USD', '美元'],
  tokens: ['Tokens', '令牌数'],
  calls: ['Model calls', '模型调用'],
  today: ['Today', '今天'],
  total: ['Total', '合计'],
  noUsage: ['No usage yet.', '暂无用量。'],
  budgets: ['Budgets today (UTC)', '今日预算（UTC）'],
  budget: ['Budget', '预算'],
  limit: ['Limit', '上限'],
  spent: ['Spent', '已用'],
  noBudgets: ['No daily budget is set (LIMIT_*_DAILY, config budget).', '未设置每日预算（LIMIT_*_DAILY、config budget）。'],
  budgetWorkspace: ['This workspace', '本工作区'],
  budgetChannel: ['Channel {0}', '频道 {0}'],
  budgetYou: ['You, per person', '你（每人）'],
  channelsTitle: ['Channels', '频道'],
  noChannels: ['No channel has settings or usage yet.', '尚无频道有设置或用量。'],
  version: ['Version', '版本'],
  settingsTitle: ['Settings of {0}', '{0} 的设置'],
  persona: ['Persona', '人设'],
  replyMode: ['Reply mode', '回复模式'],
  skills: ['Skills', '技能'],
  dailyBudget: ['Daily budget', '每日预算'],
  timeZone: ['Time zone', '时区'],
  scheduling: ['Schedules made by', '可创建定时任务者'],
  knowledge: ['Knowledge', '知识检索'],
  none: ['none', '无'],
  on: ['on', '开'],
  off: ['off', '关'],
  history: ['Version history', '版本历史'],
  change: ['Change', '变更'],
  changedBy: ['By', '操作人'],
  when: ['When (UTC)', '时间（UTC）'],
  rollback: ['Roll back to v{0}', '回滚到 v{0}'],
  rolledBack: ['Done (version {0}): restored the settings of version {1}.', '完成（版本 {0}）：已恢复版本 {1} 的设置。'],
  defaults: ['the defaults', '默认设置'],
  noHistory: ['No changes yet: this channel uses the defaults.', '尚无变更：此频道使用默认设置。'],
  feedbackTitle: ['Feedback on answers, last {0} days', '回答反馈（最近 {0} 天）'],
  perModel: ['By model', '按模型'],
  byVersion: ['By channel and config version', '按频道和配置版本'],
  good: ['👍 Helpful', '👍 有帮助'],
  bad: ['👎 Not helpful', '👎 没帮助'],
  satisfied: ['Satisfied', '满意度'],
  reasons: ['Latest reasons', '最近的原因'],
  noFeedback: ['No feedback yet.', '暂无反馈。'],
  auditTitle: ['Audit log (newest first)', '审计日志（最新在前）'],
  who: ['Who', '谁'],
  where: ['Where', '在哪'],
  what: ['What', '做了什么'],
  noAudit: ['The audit log of this workspace is empty.', '本工作区的审计日志为空。'],
  keysTitle: ['Your API keys', '你的 API 密钥'],
  keysIntro: ['Keys act as the HTTP API user {0} (the chat page at / takes one).', '密钥以 HTTP API 用户 {0} 的身份调用（/ 的聊天页面可使用）。'],
  keyName: ['Name', '名称'],
  keyCreate: ['Create a key', '创建密钥'],
  keysNeedLink: ['Link your chat account first: a key spends from the team\'s budgets, so it is made for people the team knows.', '请先关联你的聊天账号：密钥会消耗团队预算，因此只为团队认识的人创建。'],
  keyCreated: ['Your new key, shown this once: copy it now.', '新密钥仅显示这一次：请立即复制。'],
  keyRevoke: ['Revoke {0}', '吊销 {0}'],
  keyRevoked: ['Key {0} revoked: it is refused from now on.', '密钥 {0} 已吊销：从现在起将被拒绝。'],
  keyId: ['Key', '密钥'],
  created: ['Created', '创建时间'],
  state: ['State', '状态'],
  active: ['active', '有效'],
  revoked: ['revoked', '已吊销'],
  noKeys: ['No keys yet.', '暂无密钥。'],
  schedulesTitle: ['Schedules (read-only; change them in chat with “schedule”)', '定时任务（只读；在聊天中用“schedule”修改）'],
  mcpTitle: ['MCP servers (read-only; add, remove and turn them on in chat with “mcp”)', 'MCP 服务器（只读；在聊天中用“mcp”添加、删除和启用）'],
  mcpServer: ['Server', '服务器'],
  web: ['Web search and fetch', '网页搜索与抓取'],
  thinking: ['Thinking', '思考'],
  mcpTools: ['MCP tools on here', '此处启用的 MCP 工具'],
  mcpAddress: ['Address', '地址'],
  mcpHeaders: ['Headers (values hidden)', '请求头（值已隐藏）'],
  mcpMarks: ['Tools marked', '已标记的工具'],
  mcpOnIn: ['On in', '已启用于'],
  mcpLocalCommand: ['local command {0}', '本地命令 {0}'],
  spec: ['When', '时间'],
  prompt: ['Prompt', '内容'],
  status: ['Status', '状态'],
  actions: ['Action', '操作'],
  forbidden: ['Only admins of this workspace can see this page.', '只有本工作区的管理员可以查看此页面。'],
  notFound: ['Not found.', '未找到。'],
  badRequest: ['That request was refused: {0}', '请求被拒绝：{0}'],
  csrf: ['the form was stale or came from another site. Reload the page and try again.', '表单已过期或来自其他网站。请刷新页面后重试。'],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof STRINGS;
/** A page's translator: `t('signInWith', 'Slack')`. */
export type Translate = (key: MessageKey, ...args: (string | number)[]) => string;

export function translator(lang: Lang): Translate {
  return (key, ...args) => STRINGS[key][lang === 'zh' ? 1 : 0].replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}

/** The language: the switch's cookie, else the first of Accept-Language's that the console speaks. */
export function chooseLang(req: IncomingMessage): Lang {
  const chosen = readCookie(req, 'xiaoliu-lang');
  if (chosen === 'en' || chosen === 'zh') return chosen;
  const ranked = (req.headers['accept-language'] ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { tag, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
