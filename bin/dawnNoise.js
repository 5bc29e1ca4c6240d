// Dawn (the `webgpu` package's native addon) reports what it finds while probing the machine's
// Vulkan drivers (no driver at all, a driver that lacks a feature WebGPU needs, the Vulkan loader's own
// complaints) as warnings it prints with fprintf straight to the process's stderr (dawn/common/Log.cpp).
// They come before any device exists, and the Node binding sets no instance logging callback, so no
// flag, toggle or callback reaches them from JavaScript; with SwiftShader as the fallback they are
// noise even when everything works. So a tool that wants a clean terminal (bin/rnnlab.js) runs in a
// child process whose stderr passes through DawnNoiseFilter: it drops those messages and lets
// everything else through, in order (`--verbose` skips the filter).
import { spawn } from 'node:child_process';

// A Dawn message: "Warning: …" or "Error: …", then perhaps context lines (" - While initializing
// adapter …", "    at InitializeImpl (…/PhysicalDeviceVk.cpp:257)") and, after those, a blank line.
const START = /^(Warning|Error): /;
const CONTEXT = /^ - |^ {4}at \S+ \(.*:\d+\)$/;
/** Messages of the driver probing, by what they say (any line of the message). */
const PROBING = [/^(Warning|Error): (Loader Message: |loader_|vkCreateInstance|vkEnumeratePhysicalDevices)/, /^ - While initializing (adapter|instance)\b/];

export class DawnNoiseFilter {
  #rest = ''; // an unfinished line
  #message = []; // the lines of a message not yet settled
  #dropping = false; // the last message was dropped: its late context lines go with it
  #afterAt = false; // the last line was an "at" line, so a blank line closes its message
  #out = '';

  /** The part of `chunk` to pass on (a message is settled by the end of the chunk Dawn wrote it in). */
  write(chunk) {
    const lines = (this.#rest + chunk).split('\n');
    this.#rest = lines.pop();
    for (const line of lines) this.#line(line);
    this.#settle();
    return this.#take();
  }

  /** What is left at the end of the stream. */
  end() {
    if (this.#rest) this.#line(this.#rest);
    this.#rest = '';
    this.#settle();
    return this.#take();
  }

  #line(line) {
    const closes = line === '' && this.#afterAt;
    this.#afterAt = /^ {4}at /.test(line);
    if (this.#message.length && (CONTEXT.test(line) || closes)) {
      this.#message.push(line);
      if (closes) this.#settle();
      return;
    }
    this.#settle();
    if (this.#dropping && (CONTEXT.test(line) || closes)) return;
    this.#dropping = false;
    if (START.test(line)) this.#message = [line];
    else this.#out += `${line}\n`;
  }

  #settle() {
    if (!this.#message.length) return;
    this.#dropping = this.#message.some((line) => PROBING.some((p) => p.test(line)));
    if (!this.#dropping) this.#out += `${this.#message.join('\n')}\n`;
    this.#message = [];
  }

  #take() {
    const out = this.#out;
    this.#out = '';
    return out;
  }
}

/**
 * Runs `node args…` with stdin and stdout shared and stderr through a DawnNoiseFilter; this process
 * then ends as the child did (its exit status, or its signal).
 */
export function runWithoutDawnNoise(args) {
  const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: ['inherit', 'inherit', 'pipe'] });
  const filter = new DawnNoiseFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => process.stderr.write(filter.write(chunk)));
  // Ctrl+C reaches the child too (one process group); a signal sent to this process alone is passed on.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`cannot start ${process.execPath}: ${e.message}`);
      process.exitCode = 1;
      resolve();
    });
    child.on('close', (code, signal) => {
      process.stderr.write(filter.end());
      for (const s of signals) process.off(s, forward);
      if (signal) process.kill(process.pid, signal);
      else process.exitCode = code ?? 1;
      resolve();
    });
  });
}
