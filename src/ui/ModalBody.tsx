/**
 * The body of the screen while a dialog is open: help, a detail, a [y/N] question, a text prompt, the
 * reset dialog or a stage's ideas. What they do when answered is decided by whoever opened them (the
 * `Modal` carries it); this only lays them out.
 */
import React from 'react';
import { Box, type Key } from 'ink';
import type { StuckIdeaView } from '../core/console-api.js';
import type { Stage } from '../core/types.js';
import type { Modal } from './console-state.js';
import { detailKeys } from './components/Footer.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { ConfirmDialog } from './components/ConfirmDialog.js';
import { TextPrompt } from './components/TextPrompt.js';
import { DetailView } from './components/DetailView.js';
import { ResetDialog } from './components/ResetDialog.js';
import { StageList } from './components/StageList.js';

export interface ModalBodyProps {
  modal: Modal;
  width: number;
  rows: number;
  close(): void;
  /** A dialog was answered No / esc. */
  cancelled(what: string): void;
  /** An action key in a detail (it acts on the detail's item). */
  onDetailAction(input: string, key: Key): void;
  /** The reset dialog's choice. */
  onReset(idea: StuckIdeaView, stage: Stage): void;
  /** enter / x / n / c on an idea of a stage's list. */
  onStageIdea(input: 'enter' | 'x' | 'n' | 'c', idea: StuckIdeaView): void;
  onStageReload(stage: Stage): void;
}

export function ModalBody({ modal, width, rows, close, cancelled, onDetailAction, onReset, onStageIdea, onStageReload }: ModalBodyProps) {
  const dialogWidth = Math.min(width, 100);
  const dialogHeight = Math.min(rows, 14);
  const centred = (node: React.ReactNode) => (
    <Box height={rows} width={width} justifyContent="center" alignItems="flex-start" paddingTop={rows > dialogHeight + 2 ? 1 : 0}>
      {node}
    </Box>
  );
  switch (modal.kind) {
    case 'help':
      return <HelpOverlay width={width} height={rows} onClose={close} />;
    case 'detail':
      return (
        <DetailView
          detail={modal.detail}
          width={width}
          height={rows}
          onClose={close}
          actionKeys={[...detailKeys(modal.panel).keys, 'c']}
          onAction={onDetailAction}
        />
      );
    case 'confirm':
      return centred(
        <ConfirmDialog
          title={modal.title}
          lines={modal.lines}
          question={modal.question}
          width={dialogWidth}
          height={dialogHeight}
          onConfirm={modal.onConfirm}
          onCancel={() => {
            close();
            cancelled(`${modal.title}: cancelled`);
          }}
        />,
      );
    case 'prompt':
      return centred(
        <TextPrompt
          key={`${modal.title}-${modal.label}`}
          title={modal.title}
          lines={modal.lines.filter(Boolean)}
          label={modal.label}
          mustEqual={modal.mustEqual}
          allowEmpty={modal.allowEmpty}
          width={dialogWidth}
          height={dialogHeight}
          onSubmit={modal.onSubmit}
          onCancel={() => {
            close();
            cancelled(`${modal.title}: cancelled`);
          }}
        />,
      );
    case 'reset': {
      const idea = modal.idea;
      return centred(
        <ResetDialog
          idea={idea}
          width={dialogWidth}
          height={dialogHeight}
          onConfirm={(stage: Stage) => {
            close();
            onReset(idea, stage);
          }}
          onCancel={() => {
            close();
            cancelled('reset: cancelled');
          }}
        />,
      );
    }
    case 'stage':
      return (
        <StageList
          key={modal.stage}
          stage={modal.stage}
          view={modal.view}
          error={modal.error}
          width={width}
          height={rows}
          onClose={close}
          onIdea={onStageIdea}
          onReload={() => onStageReload(modal.stage)}
        />
      );
  }
}
