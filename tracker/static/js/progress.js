// Live progress of a Jira push. Progressive enhancement: without this file the page reloads
// itself every few seconds (a <noscript> refresh) and has a "Refresh" link.
(() => {
  const region = document.getElementById("push-progress");
  if (!region || region.dataset.running !== "true") {
    return;
  }
  const INTERVAL_MS = 2000;
  const MAX_FAILURES = 5;
  let failures = 0;

  async function poll() {
    try {
      const response = await fetch(window.location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        cache: "no-store",
      });
      if (!response.ok || response.redirected) {
        throw new Error(`status ${response.status}`);
      }
      // Server-rendered with autoescaping, from our own origin.
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("push-progress");
      if (!fresh) {
        return;
      }
      failures = 0;
      // Update the parts in place, so the status line stays the same live region and is read out.
      for (const id of ["push-count", "push-rows"]) {
        const current = document.getElementById(id);
        const next = page.getElementById(id);
        if (current && next && current.innerHTML !== next.innerHTML) {
          current.innerHTML = next.innerHTML;
        }
      }
      region.dataset.running = fresh.dataset.running;
      if (fresh.dataset.running !== "true") {
        return; // finished: the last state stays on screen
      }
    } catch (error) {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        return; // the server is away; the Refresh link still works
      }
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
