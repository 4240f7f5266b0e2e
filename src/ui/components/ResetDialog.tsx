/**
 * Reset a stuck idea to a stage: ← → pick the stage (the idea's own stage or an earlier one), the cost
 * preview (`previewReset`) loads for each choice, `y`/enter confirms once the preview is there.
 */
import React, { useEffect, useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import type { ResetPreview, StuckIdeaView } from '../../core/console-api.js';
import { STAGES, type Stage } from '../../core/types.js';
import { toError } from '../../core/errors.js';
import { formatDuration, money } from '../format.js';
import { useConsoleApi, useTheme } from '../ConsoleApiContext.js';
import { Panel } from './Panel.js';

/** The stages an idea can be reset to: its current one (run it again) or any earlier one. */
/** The keys the dialog takes: on its border and in the footer (which showed the panel's keys behind it). */
export const RESET_KEYS = ['←→ stage', 'y confirm', 'n/enter/esc cancel'];

export function resetTargets(stage: Stage): Stage[] {
  const upTo = Math.min(STAGES.indexOf(stage), STAGES.indexOf('SMOKE_TEST'));
  return STAGES.slice(0, upTo + 1);
}

export interface ResetDialogProps {
  idea: StuckIdeaView;
  width: number;
  height: number;
  onConfirm(toStage: Stage): void;
  onCancel(): void;
}

export function ResetDialog({ idea, width, height, onConfirm, onCancel }: ResetDialogProps) {
  const api = useConsoleApi();
  const theme = useTheme();
  const targets = resetTargets(idea.stage);
  const [index, setIndexState] = useState(Math.max(0, targets.length - 1));
  // Keys can outrun renders: `y` right after `←` must confirm the stage chosen, never the one before.
  const chosen = useRef(index);
  const setIndex = (update: (i: number) => number) => {
    chosen.current = update(chosen.current);
    setIndexState(chosen.current);
  };
  const stage = targets[index] ?? idea.stage;
  const [preview, setPreview] = useState<ResetPreview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setPreview(null);
    setError(null);
    api.previewReset(idea.id, stage).then(
      (p) => current && setPreview(p),
      (err: unknown) => current && setError(toError(err).message),
    );
    return () => {
      current = false;
    };
  }, [api, idea.id, stage]);

  useKeys((input, key) => {
    // enter takes the default shown, [y/N]: No
    if (key.escape || key.return || input === 'n' || input === 'q') return onCancel();
    if (key.leftArrow) return setIndex((i) => Math.max(0, i - 1));
    if (key.rightArrow) return setIndex((i) => Math.min(targets.length - 1, i + 1));
    // Only once the preview of the chosen stage is on screen.
    const want = targets[chosen.current];
    if (input === 'y' && want && preview && preview.toStage === want && want === stage) onConfirm(want);
  });

  return (
    <Panel title="Reset stuck idea" note={RESET_KEYS.join(' · ')} width={width} height={height} focused>
      <Text wrap="truncate">
        {idea.title} <Text {...theme.muted}>({idea.id})</Text>
      </Text>
      <Text wrap="truncate">
        in {idea.stage} ({idea.status}) for {formatDuration(idea.heldForMs)}: {idea.reason}
      </Text>
      <Text> </Text>
      <Text wrap="truncate">
        reset to:{' '}
        {targets.map((t, i) => (
          <Text key={t} {...(i === index ? theme.selected : theme.muted)}>
            {i === index ? `[${t}]` : ` ${t} `}
          </Text>
        ))}
      </Text>
      {error ? (
        <Text wrap="truncate" {...theme.bad}>
          ✗ preview failed: {error}
        </Text>
      ) : preview && preview.toStage === stage ? (
        <>
          <Text wrap="truncate">runs again: {preview.rerun.join(' → ') || 'nothing'}</Text>
          <Text wrap="truncate">
            estimated cost: <Text {...theme.warn}>{money(preview.estimatedCents)}</Text>
          </Text>
          <Text> </Text>
          <Text wrap="truncate" {...theme.warn} bold={theme.mode !== 'none'}>
            {preview.fromStage === preview.toStage ? `Run ${preview.toStage} again for ${idea.id}?` : `Reset ${idea.id} from ${preview.fromStage} to ${preview.toStage}?`} [y/N]
          </Text>
        </>
      ) : (
        <Text {...theme.muted}>estimating the cost…</Text>
      )}
    </Panel>
  );
}
