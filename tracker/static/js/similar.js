// Similar ideas while typing on the submit page. Progressive enhancement: without this file the
// "Check for similar ideas" button renders the same panel on the server.
(() => {
  const region = document.getElementById("similar");
  const title = document.getElementById("title");
  const problem = document.getElementById("problem");
  const jump = document.getElementById("similar-jump");
  if (!region || !title || !problem || !region.dataset.similarUrl) {
    return;
  }
  const DELAY_MS = 400;
  let timer = null;
  let inFlight = null;
  let lastQuery = null;

  async function refresh() {
    const params = new URLSearchParams({ title: title.value.trim(), problem: problem.value.trim() });
    const query = params.toString();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (!title.value.trim() && !problem.value.trim()) {
      region.replaceChildren();
      pointTo(0);
      return;
    }
    if (inFlight) {
      inFlight.abort(); // only the answer to the latest text matters
    }
    inFlight = new AbortController();
    try {
      const response = await fetch(`${region.dataset.similarUrl}?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        signal: inFlight.signal,
      });
      if (response.ok && !response.redirected) {
        // Server-rendered with autoescaping, from our own origin.
        region.innerHTML = await response.text();
        pointTo(region.querySelectorAll("li").length);
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        lastQuery = null; // a network hiccup: try again on the next keystroke
      }
    }
  }

  // On a phone the panel sits below the form: say that it found something, and link to it.
  function pointTo(found) {
    if (!jump) {
      return;
    }
    jump.hidden = found === 0;
    jump.textContent = found === 1 ? "1 similar idea: see it" : `${found} similar ideas: see them`;
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  title.addEventListener("input", schedule);
  problem.addEventListener("input", schedule);
})();
