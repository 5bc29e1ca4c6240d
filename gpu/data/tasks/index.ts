// The built-in synthetic tasks, by name.

import { addingTask } from './adding.ts';
import { copyTask } from './copy.ts';
import { mackeyGlassTask } from './mackeyGlass.ts';
import { sineTask } from './sine.ts';
import { taggingTask } from './tagging.ts';
import type { Task, TaskOptions } from './task.ts';

export type { Task, TaskOptions } from './task.ts';
export { TAGGING_TAGS } from './tagging.ts';

const FACTORIES: Record<string, (options: TaskOptions) => Task> = {
  adding: addingTask,
  copy: copyTask,
  sine: sineTask,
  'mackey-glass': mackeyGlassTask,
  tagging: taggingTask,
};

/** The names createTask knows, in a stable order. */
export const TASK_NAMES: readonly string[] = Object.keys(FACTORIES);

/** A built-in task sized by T and seeded (the seed fixes its validation batch). */
export function createTask(name: string, options: { T: number; seed: number }): Task {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) throw new Error(`unknown task ${JSON.stringify(name)} (known tasks: ${TASK_NAMES.join(', ')})`);
  return factory(options);
}
