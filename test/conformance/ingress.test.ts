import { discordIngressHarness } from './discord-ingress-harness.js';
import { httpIngressHarness } from './http-ingress-harness.js';
import { describeIngressConformance } from './ingress-conformance.js';
import { shellIngressHarness } from './shell-ingress-harness.js';
import { slackIngressHarness } from './slack-ingress-harness.js';

// One shared body, every platform's ingress driven through its fake (the differences by design: ingress-conformance.ts).
describeIngressConformance('slack', slackIngressHarness);
describeIngressConformance('discord', discordIngressHarness);
describeIngressConformance('http', httpIngressHarness);
describeIngressConformance('shell', shellIngressHarness);
