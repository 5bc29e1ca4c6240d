// The filter that keeps Dawn's driver-probing messages out of the CLI's stderr, on what Dawn really
// printed (strace: one write(2, …) per message, from native code) on machines with and without drivers.
import { describe, expect, it } from 'vitest';
import { DawnNoiseFilter } from './dawnNoise.js';

const at = (fn: string, file: string) => `    at ${fn} (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/${file})`;
/** What Dawn 0.6.2 printed: a driver without a feature (lavapipe), then the loader finding no GPU. */
const LAVAPIPE = `Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter (backend=BackendType::Vulkan)\n${at('InitializeImpl', 'PhysicalDeviceVk.cpp:257')}\n\n`;
const NO_GPU = `Error: Loader Message: setup_loader_term_phys_devs:  Failed to detect any valid GPUs in the current config\nWarning: vkEnumeratePhysicalDevices\n${at('GatherPhysicalDevices', 'VulkanInfo.cpp:147')}\n\n`;
/** No Vulkan driver installed (Chromium without mesa-vulkan-drivers), and a missing ICD file. */
const NO_DRIVER = `Warning: vkCreateInstance: Found no drivers!\nWarning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n${at('CheckVkSuccessImpl', 'VulkanError.cpp:106')}\n\n`;
const MISSING_ICD = 'Warning: loader_get_json: Failed to open JSON file /tmp/bogus.json\n';

function filter(chunks: string[]): string {
  const f = new DawnNoiseFilter();
  return chunks.map((c) => f.write(c)).join('') + f.end();
}

describe('DawnNoiseFilter', () => {
  it('drops every driver-probing message, alone or in one chunk with others', () => {
    for (const m of [LAVAPIPE, NO_GPU, NO_DRIVER, MISSING_ICD]) expect(filter([m])).toBe('');
    expect(filter([NO_DRIVER + NO_DRIVER + LAVAPIPE + MISSING_ICD])).toBe('');
  });

  it('keeps what else is written, in order, around the messages', () => {
    const error = 'rnnlab: error: cfg.json: hidden: must be between 1 and 4096, got 0\n';
    expect(filter(['rnnlab: adapter: SwiftShader\n', LAVAPIPE, error])).toBe(`rnnlab: adapter: SwiftShader\n${error}`);
    expect(filter([`${NO_DRIVER}${error}`])).toBe(error);
  });

  it("keeps Dawn's other messages", () => {
    const other = `Warning: something Dawn says about a device\n${at('Tick', 'DeviceVk.cpp:1')}\n\n`;
    expect(filter([other])).toBe(other);
  });

  it("keeps an uncaught error's stack, after a dropped message too", () => {
    const stack =
      'Error: GPU device lost: unknown: crash\n    at withDevice (file:///repo/bin/cli/device.ts:31:11)\n    at async main (file:///repo/bin/cli/main.ts:40:12)\n';
    expect(filter([stack])).toBe(stack);
    expect(filter([LAVAPIPE, stack])).toBe(stack);
  });

  it('follows a message and a line across chunks', () => {
    const error = 'rnnlab: error: x\n';
    const text = `${NO_GPU}${error}`;
    for (let cut = 1; cut < text.length; cut += 7) expect(filter([text.slice(0, cut), text.slice(cut)])).toBe(error);
  });

  it('ends a last line without a newline with one', () => {
    expect(filter(['no newline at the end'])).toBe('no newline at the end\n');
  });
});
