// The anycast failover lab as a test: each event must reach the router, and within a sane time.
import { writeFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { frrMissing } from '../e2e/harness/frr.js';
import { implementationMissing, selectedImplementation } from '../e2e/harness/healthcheck.js';
import { describeWhen, type Requirements } from '../e2e/harness/tools.js';
import { LAB_SPEAKERS, runAnycastLab, type LabSpeaker } from './anycast.js';

const implementation = selectedImplementation();
/**
 * ANYCAST_LAB_SPEAKER runs the lab with one speaker on the servers (the lab script's --speaker);
 * without it, with each speaker ours can drive (the reference speaks only to ExaBGP).
 */
const chosen = process.env.ANYCAST_LAB_SPEAKER as LabSpeaker | undefined;
if (chosen !== undefined && !LAB_SPEAKERS.includes(chosen))
  throw new Error(
    `ANYCAST_LAB_SPEAKER: expected one of ${LAB_SPEAKERS.join(', ')}, not '${chosen}'`,
  );
const speakers: readonly LabSpeaker[] =
  chosen !== undefined ? [chosen] : implementation === 'reference' ? ['exabgp'] : LAB_SPEAKERS;
/** What each speaker needs besides the router's GoBGP. */
const SPEAKER_NEEDS: Record<LabSpeaker, Pick<Requirements, 'tools' | 'extra'>> = {
  exabgp: { tools: ['exabgp'] },
  bird: { tools: ['bird', 'birdc'] },
  gobgp: { tools: [] },
  frr: { tools: ['vtysh'], extra: [frrMissing] },
};
/** Slack over the bound for BGP propagation, process start-up and a loaded 2-core machine. */
const SLACK_MS = 4000;

for (const speaker of speakers) {
  describeWhen(
    `anycast failover lab (three servers running the ${implementation} healthcheck with ${speaker}, one GoBGP router)`,
    {
      tools: ['ip', ...SPEAKER_NEEDS[speaker].tools, 'gobgpd', 'gobgp', 'bash'],
      root: true,
      extra: [() => implementationMissing(implementation), ...(SPEAKER_NEEDS[speaker].extra ?? [])],
    },
    () => {
      it('moves traffic away from a dead or drained server and back, each within its bound', async () => {
        const report = await runAnycastLab({
          implementation,
          speaker,
          log: (line) => process.stdout.write(`[anycast-lab] ${line}\n`),
        });
        if (process.env.ANYCAST_LAB_REPORT !== undefined) {
          await writeFile(process.env.ANYCAST_LAB_REPORT, JSON.stringify(report, null, 2));
        }
        expect(
          report.events.map((event) => [event.name, event.pathsAfter, event.bestAfter]),
        ).toEqual([
          ['stop the service on s1', ['s2 100', 's3 100'], 's2'],
          ['maintenance on s2 (disable file)', ['s2 500', 's3 100'], 's3'],
          ['end maintenance on s2', ['s2 100', 's3 100'], 's2'],
          ['start the service on s1', ['s1 100', 's2 100', 's3 100'], 's1'],
        ]);
        for (const event of report.events)
          expect(event.measuredMs).toBeLessThan(event.boundMs + SLACK_MS);
      }, 120_000);
    },
  );
}
