// Messages across the top: no WebGPU (what is missing and how to get it), worker errors, notices.

import { lab } from '../lab/pageLab.ts';
import { SaveErrorBanner } from '../persist/SaveErrorBanner.tsx';
import { useStore } from '../store/index.ts';

export function Banners() {
  const deviceError = useStore((s) => s.deviceError);
  const fallback = useStore((s) => s.device?.adapter ?? null);
  const error = useStore((s) => s.error);
  const notice = useStore((s) => s.notice);
  const dismiss = useStore((s) => s.dismissBanners);
  return (
    <>
      {deviceError && <NoWebGpu message={deviceError} fallback={fallback} />}
      {/* Without any device the worker's fatal error repeats the explanation above. */}
      {error && !(deviceError && !fallback) && (
        <div className="banner banner-error" role="alert" data-testid="error">
          <p>
            {error.fatal && <strong>Training stopped. </strong>}
            {error.message}
          </p>
          <div className="buttons">
            {error.fatal && (
              <button type="button" className="small" onClick={() => lab.reset()}>
                Reset
              </button>
            )}
            <button type="button" className="small" onClick={dismiss} aria-label="Dismiss">
              Dismiss
            </button>
          </div>
        </div>
      )}
      <SaveErrorBanner />
      {notice && (
        <div className="banner banner-notice" role="status" data-testid="notice">
          <p>{notice}</p>
          <button type="button" className="small" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

/** `fallback`: the device the worker trains on instead (its CPU), or null when there is none. */
function NoWebGpu({ message, fallback }: { message: string; fallback: string | null }) {
  const insecure = typeof window !== 'undefined' && !window.isSecureContext;
  return (
    <div className={`banner ${fallback ? 'banner-warning' : 'banner-error'} nowebgpu`} role="alert" data-testid="device-error">
      <div>
        {fallback ? (
          <>
            <p>
              <strong>WebGPU is not available: training runs on the CPU instead, far slower.</strong> {message}
            </p>
            <p>Keep the models small here (hidden 32, short sequences). For GPU speed:</p>
          </>
        ) : (
          <>
            <p>
              <strong>WebGPU is not available, so nothing can be trained here.</strong> {message}
            </p>
            <p>rnnlab trains on your GPU through WebGPU; this version has no CPU fallback. To use it:</p>
          </>
        )}
        <ul>
          <li>Use a recent Chrome or Edge (113 or newer), Firefox 141+ on Windows, or Safari 26.</li>
          <li>
            On Linux, start Chrome with <code>--enable-unsafe-webgpu</code> (and check <code>chrome://gpu</code>).
          </li>
          <li>
            Open the page over <code>https://</code> or from <code>http://localhost</code>: WebGPU needs a secure context
            {insecure ? ' — this page is not one.' : '.'}
          </li>
          <li>Make sure hardware acceleration is on in the browser settings.</li>
        </ul>
      </div>
    </div>
  );
}
