/** How long a webhook may take before the command gives up on it. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body to a webhook. Never throws: a refused connection, a timeout or a non-2xx answer
 * is returned as a problem to print once. The problem names the host only (a URL may carry a token
 * in its path or query).
 */
export async function postWebhook(
  url: URL,
  body: string,
): Promise<{ ok: true } | { ok: false; problem: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { ok: true };
    return { ok: false, problem: `${url.host} answered ${response.status}` };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
    return { ok: false, problem: `${url.host} ${reason}` };
  }
}
