import { discordHarness } from './discord-harness.js';
import { describeEgressConformance } from './egress-conformance.js';
import { httpHarness } from './http-harness.js';
import { shellHarness } from './shell-harness.js';
import { slackHarness } from './slack-harness.js';

// One shared body, every platform's egress against its fake (the differences by design: egress-conformance.ts).
describeEgressConformance('slack', slackHarness);
describeEgressConformance('discord', discordHarness);
describeEgressConformance('http', httpHarness);
describeEgressConformance('shell', shellHarness);
