// The newest sample of generated text (the trainer page's and a notebook cell's): the step it was
// drawn at, and its text with the prompt marked.

import type { Sample } from '../store/samplesSlice.ts';

export function LatestSample({ sample, testId }: { sample: Sample; testId: string }) {
  return (
    <figure className="sample">
      <figcaption>Step {sample.step.toLocaleString('en-US')}</figcaption>
      <pre data-testid={testId}>
        <mark>{sample.prompt}</mark>
        {sample.text.startsWith(sample.prompt) ? sample.text.slice(sample.prompt.length) : sample.text}
      </pre>
    </figure>
  );
}
