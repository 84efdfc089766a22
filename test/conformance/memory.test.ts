import { discordCommandHarness, httpCommandHarness, shellCommandHarness, slackCommandHarness } from './command-harnesses.js';
import { describeMemoryConformance } from './memory-conformance.js';

// One shared body, every platform's whole pipeline through its fake (the differences by design: memory-conformance.ts).
describeMemoryConformance('slack', slackCommandHarness);
describeMemoryConformance('discord', discordCommandHarness);
describeMemoryConformance('http', httpCommandHarness);
describeMemoryConformance('shell', shellCommandHarness);
