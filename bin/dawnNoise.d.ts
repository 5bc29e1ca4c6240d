/** Drops Dawn's driver-probing messages from a stderr stream and passes the rest on (dawnNoise.js). */
export class DawnNoiseFilter {
  write(chunk: string): string;
  end(): string;
}
export function runWithoutDawnNoise(args: string[]): Promise<void>;
