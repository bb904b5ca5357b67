import type {
  ApproveRequestBody,
  ApproveResultBody,
  EvidenceRequestBody,
  EvidenceView,
  StatusBody,
} from '@pausenet/protocol/api';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { apiCall } from '../io/api-client.js';
import { parseHexArg, parseIntArg } from '../io/options.js';
import { addTargetOptions, resolveTarget, type TargetOptions } from '../io/target.js';
import { formatStatus } from './status-format.js';

/** Print `value` as one JSON line, or the human text. */
export function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

interface ReportOptions extends TargetOptions {
  subject: string;
  epoch: number;
  digest?: string;
  summary?: string;
  missed?: boolean;
  json?: boolean;
}

/** `pausenet report`: file judged evidence (a report about a lab, or a missed commitment). */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description(
      'file evidence against a lab: an off-band report (hash of the evidence) or a missed commitment',
    )
    .requiredOption('--subject <lab>', 'lab id the evidence is about')
    .requiredOption('--epoch <n>', 'epoch the evidence concerns', parseIntArg('--epoch'))
    .option(
      '--digest <hex>',
      'SHA-256 of the off-band evidence document (32 bytes hex)',
      parseHexArg('--digest', 32),
    )
    .option('--summary <text>', 'one-line human summary (<= 280 chars)')
    .option('--missed', 'report that the lab missed its commitment deadline for --epoch')
    .option('--json', 'print the signed evidence as JSON');
  addTargetOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ pausenet report --data-dir /var/lib/pausenet --subject lab-c --epoch 12 \\
      --digest $(sha256sum audit.pdf | cut -c1-64) --summary "audit: undeclared 4e25 FLOP run"
  $ pausenet report --data-dir /var/lib/pausenet --subject lab-c --epoch 12 --missed`,
  );
  cmd.action(async (o: ReportOptions) => {
    let body: EvidenceRequestBody;
    if (o.missed) {
      if (o.digest || o.summary) throw new CliError('USAGE', '--missed takes no --digest/--summary');
      body = { kind: 'missed', lab: o.subject, epoch: o.epoch };
    } else {
      if (!o.digest || !o.summary)
        throw new CliError(
          'USAGE',
          'a report needs --digest <sha256 hex> and --summary <text> (or use --missed)',
        );
      if (o.summary.length > 280)
        throw new CliError('USAGE', `--summary is ${o.summary.length} chars, max 280`);
      body = { kind: 'report', subject: o.subject, epoch: o.epoch, digest: o.digest, summary: o.summary };
    }
    const target = await resolveTarget(o, true);
    const ev = await apiCall<EvidenceView>(target, 'POST', '/v1/evidence', body);
    print(!!o.json, ev, `evidence filed${ev.hash ? `: ${ev.hash}` : ''}`);
  });
}

interface ApproveOptions extends TargetOptions {
  resume?: boolean;
  breach?: string[];
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Human lines for an approval: what it names and where that set came from. */
export function formatApproval(a: ApproveResultBody): string {
  const resume = a.target === 'RUNNING';
  const n = a.breaches.length;
  const source =
    a.source === 'explicit'
      ? 'named with --breach'
      : a.source === 'pending-vote'
        ? `the set of the pending resume vote of ${(a.voters ?? []).join(', ')}`
        : resume
          ? 'every breach open on this node'
          : 'every open judged breach on this node';
  const out = [
    `${a.dryRun ? 'would approve' : 'approving'} ${resume ? 'RESUME' : 'PAUSE'} at height ${a.height}: ${resume ? 'resolves' : 'approves'} ${n} breach${n === 1 ? '' : 'es'} (source: ${source})`,
  ];
  for (const b of a.breaches) {
    const what = b.kind ? `${b.kind} ${b.lab} epoch ${b.epoch}` : 'not seen on this node';
    out.push(
      `  ${b.id}  ${what}${b.evidence ? `  evidence ${b.evidence.slice(0, 16)}…` : ''}  [${b.status}]`,
    );
  }
  if (resume && (a.leftOpen ?? 0) > 0)
    out.push(
      `  ${a.leftOpen} open breach(es) are not resolved by this resume: they lead to a new pause by policy`,
    );
  if (a.dryRun) out.push(a.signed ? 'already voted for this statement' : 'nothing recorded (--dry-run)');
  else
    out.push(
      a.signed
        ? `voted ${a.target} at height ${a.height}`
        : `approval recorded, vote not signed yet: ${a.reason ?? 'waiting'}`,
    );
  return out.join('\n');
}

/** `pausenet approve <height>`: the operator approves this member's vote for a transition. */
export function registerApprove(program: Command): void {
  const cmd = program
    .command('approve')
    .description(
      "approve this member's vote to PAUSE (default) or RESUME (--resume) at <height>, naming the breaches it approves / resolves",
    )
    .argument('<height>', 'the height of the transition (current height + 1)', parseIntArg('<height>', 1))
    .option('--resume', 'approve the transition back to RUNNING instead of PAUSED')
    .option(
      '--breach <id>',
      'breach id (64 hex) the approval names; repeatable. PAUSE: judged breaches approved; RESUME: what it resolves',
      (v: string, prev: string[] = []) => [...prev, parseHexArg('--breach', 32)(v)],
    )
    .option('--force', 'RESUME: approve a set that differs from a pending resume vote (splits the resume)')
    .option('--dry-run', 'print what would be approved, change nothing')
    .option('--json', 'print the API answer as JSON');
  addTargetOptions(cmd).addHelpText(
    'after',
    `
Without --breach, a PAUSE approval names every open judged breach on the node, and a RESUME adopts the
resolves set of a resume vote another member already cast at that height (so operators converge on one
statement), else every breach open on the node. Members that approve different sets at one height split
the resume: the network stays PAUSED at that height (docs/protocol.md "Approvals").

Examples:
  $ pausenet status --data-dir /var/lib/pausenet        # read the height and the open breaches first
  $ pausenet approve 1 --data-dir /var/lib/pausenet     # vote PAUSE at height 1 for the open judged breaches
  $ pausenet approve 2 --resume --dry-run --data-dir /var/lib/pausenet
  $ pausenet approve 2 --resume --breach 3f1c…(64 hex) --data-dir /var/lib/pausenet`,
  );
  cmd.action(async (height: number, o: ApproveOptions) => {
    const target = await resolveTarget(o, true);
    const want = o.resume ? 'RUNNING' : 'PAUSED';
    if (o.force && !o.resume) throw new CliError('USAGE', '--force applies to --resume only');
    const request: ApproveRequestBody = {
      height,
      target: want,
      ...(o.breach ? { breaches: o.breach } : {}),
      ...(o.force ? { force: true } : {}),
      ...(o.dryRun ? { dryRun: true } : {}),
    };
    const res = await apiCall<ApproveResultBody>(target, 'POST', '/v1/approve', request);
    print(!!o.json, res, formatApproval(res));
  });
}

interface StatusOptions extends TargetOptions {
  json?: boolean;
}

/** `pausenet status`: state, height, peers, labs, pending votes and hook results of the local node. */
export function registerStatus(program: Command): void {
  const cmd = program
    .command('status')
    .description('show the local node: state, height, peers, labs and their last commitment, votes, hooks')
    .option('--json', 'print the raw /v1/status JSON');
  addTargetOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ pausenet status --data-dir /var/lib/pausenet
  $ pausenet status --api http://127.0.0.1:8645 --json | jq .state`,
  );
  cmd.action(async (o: StatusOptions) => {
    const target = await resolveTarget(o, false);
    const s = await apiCall<StatusBody>(target, 'GET', '/v1/status');
    print(!!o.json, s, formatStatus(s, Date.now()));
  });
}
