/** Every stage's handler, by stage. IDEATE only hands the idea on (it was validated at intake). */
import type { Stage } from '../../core/types.js';
import type { StageHandler } from './context.js';
import { deckStage } from './deck.js';
import { investorsStage } from './investors.js';
import { mvpStage } from './mvp.js';
import { researchStage } from './research.js';
import { smokeTestStage } from './smoke-test.js';

export const ideateStage: StageHandler = {
  stage: 'IDEATE',
  critical: true,
  typicalCents: () => 0,
  async run() {
    return { kind: 'passed', summary: 'validated at intake', outputs: {} };
  },
};

export const STAGE_HANDLERS: Partial<Record<Stage, StageHandler>> = {
  IDEATE: ideateStage,
  RESEARCH: researchStage,
  DECK: deckStage,
  INVESTORS: investorsStage,
  MVP: mvpStage,
  SMOKE_TEST: smokeTestStage,
};
