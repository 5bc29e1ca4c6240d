// Device acquisition in Node through Dawn (npm package `webgpu`).
// On a machine without a GPU driver, Dawn finds no Vulkan adapter; Chromium's SwiftShader
// (a CPU Vulkan) then serves, if installed. A GPU test must fail, not skip, when none is found.

import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { requestDeviceFrom, WebGpuUnavailableError } from './device.ts';
import type { GpuContext } from './context.ts';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

// Dawn's GPU instances must outlive their adapters and devices: collecting one while a device
// is alive aborts the process. Hold every instance made here for the life of the process.
const instances: GPU[] = [];
function instance(): GPU {
  const gpu = create([]);
  instances.push(gpu);
  return gpu;
}

export async function requestNodeDevice(): Promise<GpuContext> {
  Object.assign(globalThis, globals);
  // The Vulkan loader complains on every instance without it; nothing here needs a display.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let adapter = await instance().requestAdapter({ powerPreference: 'high-performance' });
  let backend = 'Dawn';
  if (!adapter && !process.env.VK_ICD_FILENAMES) {
    const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
    if (icd) {
      // The Vulkan loader reads this when Dawn creates its next instance.
      process.env.VK_ICD_FILENAMES = icd;
      adapter = await instance().requestAdapter();
      backend = 'Dawn, SwiftShader';
    }
  }
  if (!adapter)
    throw new WebGpuUnavailableError(
      "No WebGPU adapter in Node: Dawn found no Vulkan driver. Install a GPU driver, or Debian's `chromium` " +
        '(for SwiftShader) and `libvulkan1`, or set VK_ICD_FILENAMES to a Vulkan ICD json.',
    );
  return requestDeviceFrom(adapter, backend);
}

/**
 * Runs `use` on a fresh Node device and destroys the device after it, for a tool that needs one
 * device for its whole run (the CLI, the bench and the perf tools).
 */
export async function withNodeDevice<T>(use: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await requestNodeDevice();
  // Dawn's promises (mapAsync, onSubmittedWorkDone) do not hold Node's event loop open by themselves.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    return await use(ctx);
  } finally {
    // Dawn aborts the process at exit if a device is still alive.
    ctx.device.destroy();
    clearInterval(keepAlive);
  }
}
