/**
 * The action keys (`x n j p a s R P b h`): each acts on the selected item of its panel — or on the item a
 * detail or a stage's list shows — through the `ConsoleApi` (audited there), asking first where it
 * changes something that matters (a [y/N] dialog, a reason, a typed word).
 */
import type { ConsoleApi, ConsoleSnapshot, StuckIdeaView } from '../core/console-api.js';
import { STAGES } from '../core/types.js';
import type { Actions } from './hooks/use-actions.js';
import { PANEL_TITLES, type PanelId } from './layout.js';
import type { PanelItem } from './panel-items.js';
import { clockTime } from './format.js';
import { DESTRUCTIVE_JOB, type Modal } from './console-state.js';

export interface ActionContext {
  api: ConsoleApi;
  actions: Actions;
  snapshot: ConsoleSnapshot | null;
  setModal(modal: Modal | null): void;
  /** The focused panel's selected item, if any. */
  focused(): { panel: PanelId; item: PanelItem | undefined };
}

/** `x`: the reset dialog for an idea (stage choice, cost preview, confirm). */
export function askReset(ctx: ActionContext, idea: StuckIdeaView): void {
  if (ctx.actions.allowed(`reset ${idea.title}`)) ctx.setModal({ kind: 'reset', idea });
}

/** `n`: move an idea on to its next stage, after a [y/N] question. */
export function askAdvance(ctx: ActionContext, idea: StuckIdeaView): void {
  const { api, actions } = ctx;
  if (!actions.allowed(`advance ${idea.title}`)) return;
  const next = STAGES[STAGES.indexOf(idea.stage) + 1];
  if (!next) {
    actions.say(`${idea.title} is ${idea.stage}: there is no next stage`, 'info');
    return;
  }
  ctx.setModal({
    kind: 'confirm',
    title: `Advance ${idea.title}`,
    lines: [`${idea.stage} → ${next}, without running ${idea.stage}'s gate.`, ...(idea.reason ? [`listed because: ${idea.reason}`] : []), 'It is audited with your name.'],
    question: `Move it to ${next}?`,
    onConfirm: () => {
      ctx.setModal(null);
      void actions.run(`advance ${idea.title}`, () => api.advanceIdea(idea.id, next));
    },
  });
}

/**
 * Handle `input` if it is an action key (true), on `item` when given (a detail's or a list's own item),
 * else on the focused panel's selected item.
 */
export function actionKey(input: string, ctx: ActionContext, item?: PanelItem): boolean {
  const { api, actions, snapshot, setModal } = ctx;
  const closeModal = () => setModal(null);
  /** The item for an action of `panel`, or a message saying what to select. */
  const needs = (panel: PanelId, what: string): PanelItem | undefined => {
    const focused = ctx.focused();
    const chosen = item ?? (focused.panel === panel ? focused.item : undefined);
    if (chosen?.panel === 'stage') {
      actions.say(`${what}: select an idea below the stage counts (enter on a count lists that stage's ideas)`, 'info');
      return undefined;
    }
    if (!chosen || chosen.panel !== panel) actions.say(`${what}: focus the ${PANEL_TITLES[panel]} panel (tab) and select one first`, 'bad');
    return chosen?.panel === panel ? chosen : undefined;
  };
  switch (input) {
    case 'x': {
      const chosen = needs('pipeline', 'x resets an idea');
      if (chosen?.panel === 'pipeline') askReset(ctx, chosen.item);
      return true;
    }
    case 'n': {
      const chosen = needs('pipeline', 'n moves an idea on');
      if (chosen?.panel === 'pipeline') askAdvance(ctx, chosen.item);
      return true;
    }
    case 'j': {
      const chosen = needs('jobs', 'j runs a job');
      if (chosen?.panel !== 'jobs') return true;
      const name = chosen.item.name;
      const run = () => void actions.run(`run ${name}`, (progress) => api.runJob(name, progress));
      // jobs that delete or move data ask first
      if (DESTRUCTIVE_JOB.test(name)) {
        if (!actions.allowed(`run ${name}`)) return true;
        setModal({
          kind: 'confirm',
          title: `Run ${name} now`,
          lines: [`${name} deletes or moves data (${chosen.item.schedule} is its schedule).`, 'It is audited with your name.'],
          question: `Run ${name} now?`,
          onConfirm: () => {
            closeModal();
            run();
          },
        });
      } else run();
      return true;
    }
    case 'p': {
      const chosen = needs('jobs', 'p pauses or resumes a job');
      if (chosen?.panel === 'jobs') {
        const job = chosen.item;
        void actions.run(job.paused ? `resume ${job.name}` : `pause ${job.name}`, () => (job.paused ? api.resumeJob(job.name) : api.pauseJob(job.name)));
      }
      return true;
    }
    case 'a': {
      const chosen = needs('incidents', 'a acknowledges an incident');
      if (chosen?.panel === 'incidents') {
        const inc = chosen.item;
        if (inc.status === 'resolved') actions.say(`incident #${inc.id} is resolved; nothing to acknowledge`, 'info');
        else if (inc.status === 'acknowledged') actions.say(`incident #${inc.id} is already acknowledged`, 'info');
        else void actions.run(`ack incident #${inc.id}`, () => api.ackIncident(inc.id));
      }
      return true;
    }
    case 's': {
      const chosen = needs('incidents', 's resolves an incident');
      if (chosen?.panel !== 'incidents') return true;
      const inc = chosen.item;
      if (inc.status === 'resolved') {
        actions.say(`incident #${inc.id} is already resolved`, 'info');
        return true;
      }
      if (actions.allowed(`resolve incident #${inc.id}`)) {
        setModal({
          kind: 'prompt',
          title: `Resolve incident #${inc.id}`,
          lines: [`${inc.severity} ${inc.title} (${inc.source})`, 'What was done? The note goes on the timeline and into the audit log.'],
          label: 'note',
          onSubmit: (note) => {
            closeModal();
            void actions.run(`resolve incident #${inc.id}`, () => api.resolveIncident(inc.id, note));
          },
        });
      }
      return true;
    }
    case 'R': {
      if (!actions.allowed('resume after emergency shutdown')) return true;
      const b = snapshot?.budget;
      // nothing to resume: say so before asking for anything
      if (b && !b.emergencyShutdown) {
        actions.say(`nothing to resume: the budget is not in emergency shutdown (as of ${clockTime(snapshot!.takenAt)})`, 'info');
        return true;
      }
      setModal({
        kind: 'prompt',
        title: 'Resume after emergency shutdown',
        lines: [
          b?.emergencyShutdown ? `Emergency shutdown is ACTIVE${b.shutdownReason ? `: ${b.shutdownReason}` : ''}.` : 'The budget is not in emergency shutdown (as of the last snapshot).',
          b ? `Budget ${b.total.usagePct.toFixed(1)}% used (${b.level}). Resuming lets paid calls through again.` : '',
          'Type RESUME to go on.',
        ],
        label: 'confirmation',
        mustEqual: 'RESUME',
        onSubmit: () =>
          setModal({
            kind: 'prompt',
            title: 'Resume after emergency shutdown',
            lines: ['Why is it safe to resume? (goes into the audit log)'],
            label: 'reason',
            onSubmit: (reason) => {
              closeModal();
              void actions.run('resume budget', () => api.resumeBudget(reason));
            },
          }),
      });
      return true;
    }
    case 'P': {
      if (!actions.allowed('pause all campaigns')) return true;
      setModal({
        kind: 'prompt',
        title: 'Pause all campaigns',
        lines: ['Every running ad campaign will be paused. Why? (goes into the audit log)'],
        label: 'reason',
        onSubmit: (reason) =>
          setModal({
            kind: 'confirm',
            title: 'Pause all campaigns',
            lines: [`reason: ${reason}`],
            question: 'Pause every campaign now?',
            onConfirm: () => {
              closeModal();
              void actions.run('pause all campaigns', () => api.pauseAllCampaigns(reason));
            },
          }),
      });
      return true;
    }
    case 'b':
      void actions.run('backup', (progress) => api.backupNow(progress));
      return true;
    case 'h':
      void actions.run('health check', () => api.runHealthCheck());
      return true;
    default:
      return false;
  }
}
