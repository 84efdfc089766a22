/*
 * Knowledge search benchmark: search latency (p50 / p99) over an index of 1,000,000 messages, and the index's size.
 *
 *   npm run bench:knowledge [-- --messages 1000000 --channels 200 --queries 200]
 *
 * Works in a database of its own (xiaoliu_bench_<random>, dropped at the end) on the test Postgres (TEST_PG_URL or
 * 127.0.0.1:5432), migrated like production. The rows are made by SQL (generate_series): a mix of English-like words
 * (a skewed vocabulary of 5,000, so some are common and most rare) and Chinese words written without spaces (a
 * skewed vocabulary of 3,000 two- and three-character words), 200 channels by default, stored as channel posts
 * (what people post in channels with knowledge on, src/knowledge/channel-posts.ts) with the production function's
 * vectors (xiaoliu_search_vector), then the GIN index built. Each query goes through the production search
 * (src/knowledge/knowledge-index.ts: one channel, both sources, ranked).
 * Prints a table and writes bench-results/knowledge-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { searchKnowledge } from '../../src/knowledge/knowledge-index.js';
import { openDatabase, runMigrations } from '../../src/store/database.js';
import { silentLogger } from '../support/silent-logger.js';
import { TEST_PG_SERVER } from '../support/test-database.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    channels: { type: 'string', default: '200' },
    queries: { type: 'string', default: '200' },
  },
});
const total = Number(values.messages);
const channels = Number(values.channels);
const queries = Number(values.queries);
const PER_CONVERSATION = 20;
/** Common Chinese characters the generated runs are drawn from (bigrams over these are the CJK terms). */
const HANZI = '的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵';

/**
 * A vocabulary of 3,000 Chinese "words" of two or three characters, the same on every run (a fixed LCG), picked with a
 * skew (the first few hundred are common) and written without spaces, as Chinese is.
 */
const WORDS: string[] = (() => {
  const chars = [...HANZI];
  let state = 20_261_203;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const words = new Set<string>();
  while (words.size < 3000) words.add(Array.from({ length: 2 + Math.floor(next() * 2) }, () => chars[Math.floor(next() * chars.length)]!).join(''));
  return [...words];
})();

async function main(): Promise<void> {
  const name = `xiaoliu_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
  const url = `${TEST_PG_SERVER}/${name}`;
  const database = await openDatabase(url, silentLogger(), { max: 4 });
  try {
    await runMigrations(url, silentLogger());
    const { sql } = database;
    const started = performance.now();
    // The index as a channel with `config knowledge on` fills it: what people post (channel_posts, text kept with its
    // vector). Loaded without the GIN index, which is built after: how a backfill of a big history goes. Two statements
    // at once, each over half of the rows: the machine's two cores both work. Knowledge must be on for a post to be
    // kept, as the gateway's insert checks; the bench writes the rows directly, so the settings are not needed.
    await sql`drop index channel_posts_tsv`;
    const halves = [
      [1, Math.floor(total / 2)],
      [Math.floor(total / 2) + 1, total],
    ] as const;
    await Promise.all(
      halves.map(([from, to]) => sql`
        insert into channel_posts (platform, workspace_id, channel_id, thread_id, message_id, author_id, author_name, text, tsv, posted_at)
        select 'slack', 'T-bench', 'C' || (g % ${channels}), (1700000000 + g) || '.000100', (1700000000 + g) || '.000100', 'U' || (g % 500), 'user ' || (g % 500),
          t.text, xiaoliu_search_vector(t.text) || array_to_tsvector(array[xiaoliu_channel_lexeme('slack', 'T-bench', 'C' || (g % ${channels}))]),
          now() - make_interval(secs => ${total} - g)
        from generate_series(${from}::int, ${to}::int) g,
        lateral (select
          (select string_agg('w' || floor(5000 * power(random(), 3))::int, ' ') from generate_series(1, 6 + (g % 10)) w where g > 0)
          || ' ' ||
          (select string_agg((${WORDS}::text[])[1 + floor(${WORDS.length} * power(random(), 2))::int], '') from generate_series(1, 3 + (g % 5)) c where g > 0) as text) t`),
    );
    const loadedMs = performance.now() - started;
    // A GIN build is much faster with room to sort in memory (the default maintenance_work_mem is 64 MB).
    await sql.begin(async (tx) => {
      await tx`set local maintenance_work_mem = '256MB'`;
      await tx`create index channel_posts_tsv on channel_posts using gin (tsv)`;
    });
    await sql`analyze channel_posts`;
    const builtMs = performance.now() - started - loadedMs;
    const [size] = await sql<{ gin: string; entries: string; messages: string }[]>`
      select pg_relation_size('channel_posts_tsv')::text as gin, pg_total_relation_size('channel_posts')::text as entries,
        pg_relation_size('channel_posts')::text as messages`;

    // Query sets: a rare word, a common word, two words, a Chinese pair (one bigram) and a Chinese four (three bigrams),
    // drawn from what was generated so they find something; each in one random channel, as the search tool asks.
    const word = (from: number, to: number) => WORDS[from + Math.floor(Math.random() * (to - from))]!;
    const kinds: Record<string, () => string> = {
      'rare word': () => `w${3000 + Math.floor(Math.random() * 2000)}`,
      'common word': () => `w${Math.floor(Math.random() * 3)}`,
      'two words': () => `w${Math.floor(Math.random() * 50)} w${100 + Math.floor(Math.random() * 400)}`,
      'Chinese word, common': () => word(0, 30),
      'Chinese word, rare': () => word(1000, WORDS.length),
      'Chinese, two words': () => word(0, 200) + word(200, 1000),
    };
    const results: Record<string, { p50: number; p99: number; max: number; hitsMean: number }> = {};
    for (const [kind, make] of Object.entries(kinds)) {
      const ms: number[] = [];
      let hits = 0;
      for (let i = 0; i < queries; i++) {
        const key = { platform: 'slack', workspaceId: 'T-bench', channelId: `C${Math.floor(Math.random() * channels)}` };
        const t0 = performance.now();
        hits += (await searchKnowledge(sql, key, make())).length;
        ms.push(performance.now() - t0);
      }
      results[kind] = { ...percentiles(ms), hitsMean: Math.round((hits / queries) * 10) / 10 };
    }
    const mb = (bytes: string) => Math.round((Number(bytes) / 1024 / 1024) * 10) / 10;
    const report = {
      messages: total,
      channels,
      queriesPerKind: queries,
      loadSeconds: Math.round(loadedMs / 100) / 10,
      ginBuildSeconds: Math.round(builtMs / 100) / 10,
      ginIndexMb: mb(size!.gin),
      channelPostsTotalMb: mb(size!.entries),
      channelPostsTableMb: mb(size!.messages),
      latencyMs: results,
    };
    console.log(`knowledge search over ${total.toLocaleString('en-US')} indexed messages in ${channels} channels (${queries} queries per kind)`);
    console.log(`load and vectors ${report.loadSeconds} s, GIN build ${report.ginBuildSeconds} s`);
    console.log(`GIN index ${report.ginIndexMb} MB; channel_posts with its indexes ${report.channelPostsTotalMb} MB (the rows alone, text and vectors, ${report.channelPostsTableMb} MB)`);
    console.log('kind                      p50 ms   p99 ms   max ms   hits/query');
    for (const [kind, r] of Object.entries(results)) {
      console.log(`${kind.padEnd(24)} ${String(r.p50).padStart(7)}  ${String(r.p99).padStart(7)}  ${String(r.max).padStart(7)}   ${r.hitsMean}`);
    }
    await mkdir('bench-results', { recursive: true });
    await writeFile(`bench-results/knowledge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify(report, null, 2));
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

await main();
