import type { ServiceReport } from './controller.js';
import { displayCommand, shellQuote } from './errors.js';
import { programArguments } from './spec.js';
import type { PlanStep, ServicePlan, StepOutcome } from './types.js';

/** Ends the heredoc of a file's text in a dry run; no line of a generated file is this. */
const HEREDOC_END = 'RAGCTL_EOF';

const KIND_WORDS = { launchd: 'launchd agent', systemd: 'systemd user unit' } as const;

/**
 * A dry run as shell a person can read: each command with why it runs, each file's full text
 * as a heredoc. Nothing here has run.
 */
export function formatDryRun(plan: ServicePlan): string {
  const { spec } = plan;
  const lines = [
    `# ragctl daemon ${plan.action} --dry-run: ${spec.name} (${KIND_WORDS[spec.platform]}); nothing was changed.`,
  ];
  for (const step of plan.steps) lines.push(...stepLines(step));
  return `${lines.join('\n')}\n`;
}

function stepLines(step: PlanStep): string[] {
  switch (step.kind) {
    case 'mkdir':
      return [`mkdir -p ${shellQuote(step.path)}`];
    case 'remove':
      return [`rm -f ${shellQuote(step.path)}`];
    case 'write':
      return [
        `cat > ${shellQuote(step.path)} <<'${HEREDOC_END}'`,
        step.content.replace(/\n$/, ''),
        HEREDOC_END,
      ];
    case 'run': {
      const notes = [step.why];
      if (step.okExitCodes?.length) notes.push(`exit ${step.okExitCodes.join(' or ')} is fine here`);
      if (step.retryExitCodes?.length) notes.push(`retried on exit ${step.retryExitCodes.join(' or ')}`);
      return [`# ${notes.join('; ')}`, displayCommand(step.argv)];
    }
  }
}

/** A plan as JSON: every step, file text included. */
export function planJson(plan: ServicePlan): Record<string, unknown> {
  return {
    action: plan.action,
    dryRun: true,
    platform: plan.spec.platform,
    name: plan.spec.name,
    file: plan.spec.file,
    command: programArguments(plan.spec),
    steps: plan.steps,
  };
}

/** What ran, as JSON: each step with its exit code (commands) or whether it changed (files). */
export function outcomesJson(plan: ServicePlan, outcomes: readonly StepOutcome[]): Record<string, unknown> {
  return {
    action: plan.action,
    dryRun: false,
    platform: plan.spec.platform,
    name: plan.spec.name,
    file: plan.spec.file,
    command: programArguments(plan.spec),
    steps: outcomes.map(({ step, exitCode, changed }) => {
      // The file's text is in the file; the summary names it.
      const shown = step.kind === 'write' ? { kind: step.kind, path: step.path } : step;
      return {
        ...shown,
        ...(exitCode === undefined ? {} : { exitCode }),
        ...(changed === undefined ? {} : { changed }),
      };
    }),
  };
}

const DONE_WORDS = {
  install: 'installed and started',
  uninstall: 'uninstalled',
  start: 'started',
  stop: 'stopped',
} as const;

/** A few lines saying what was done and where things are. */
export function formatOutcomes(
  plan: ServicePlan,
  outcomes: readonly StepOutcome[],
  show: (path: string) => string,
): string {
  const { spec } = plan;
  const removed = outcomes.some((o) => o.step.kind === 'remove');
  const done = plan.action === 'uninstall' && !removed ? 'was not installed' : DONE_WORDS[plan.action];
  const lines = [`${spec.name} (${KIND_WORDS[spec.platform]}): ${done}`];
  if (plan.action === 'install') {
    lines.push(`  file: ${show(spec.file)}`);
    lines.push(`  runs: ${displayCommand(programArguments(spec))}`);
  } else if (plan.action === 'uninstall' && removed) {
    lines.push(`  file: ${show(spec.file)} removed`);
  }
  for (const { step, exitCode } of outcomes) {
    if (step.kind !== 'run') continue;
    lines.push(`  ran:  ${displayCommand(step.argv)}${exitCode ? ` (exit ${exitCode}: fine here)` : ''}`);
  }
  if (plan.action === 'install' || plan.action === 'start') {
    lines.push(`  log:  ${show(spec.logFile)}`);
    lines.push('Check on it with `ragctl daemon status`.');
  }
  return `${lines.join('\n')}\n`;
}

/** `ragctl daemon status` for people. */
export function formatReport(report: ServiceReport, show: (path: string) => string): string {
  const lines = [`${report.name} (${KIND_WORDS[report.platform]})`];
  const fileState = !report.installed
    ? 'not installed'
    : report.upToDate
      ? 'installed, up to date'
      : 'installed, differs';
  lines.push(`  file:  ${show(report.file)} (${fileState})`);
  if (report.command) lines.push(`  runs:  ${displayCommand(report.command.argv)}`);
  if (report.runtime) {
    const { state, pid, lastExitStatus } = report.runtime;
    const extra = [
      pid !== null ? `pid ${pid}` : null,
      lastExitStatus !== null && state !== 'running' ? `last exit status ${lastExitStatus}` : null,
    ].filter((x) => x !== null);
    lines.push(`  state: ${state}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  } else {
    lines.push('  state: unknown (the service manager could not be asked)');
  }
  lines.push(`  log:   ${show(report.logs.daemon)}`);
  if (report.logs.stderr) lines.push(`  crash output: ${show(report.logs.stderr)}`);
  if (report.logs.journal) lines.push(`  journal: ${report.logs.journal}`);
  for (const problem of report.problems) lines.push(`  ! ${problem}`);
  return `${lines.join('\n')}\n`;
}
