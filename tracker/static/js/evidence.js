// Evidence from data on the submit page: choosing a queue fills weekly volume and handle time
// from the queue's last weeks, unless the person typed them. Without this file the form works
// the same, and PMs still see the data beside the typed figures on the idea's page.
(() => {
  const note = document.getElementById("queue-evidence");
  const queue = document.getElementById("queue");
  const volume = document.getElementById("weekly_volume");
  const handle = document.getElementById("handle_time_minutes");
  if (!note || !queue || !volume || !handle || !note.dataset.evidenceUrl) {
    return;
  }
  // A field counts as typed once the person edits it; filled values may be replaced.
  const typed = new Set();
  for (const input of [volume, handle]) {
    if (input.value.trim()) {
      typed.add(input);
    }
    input.addEventListener("input", () => typed.add(input));
  }
  let lastName = null;
  let inFlight = null;

  function fill(input, value) {
    if (value === null || value === undefined || typed.has(input)) {
      return false;
    }
    input.value = String(value);
    return true;
  }

  async function lookup() {
    const name = queue.value.trim();
    if (name === lastName) {
      return;
    }
    lastName = name;
    note.textContent = "";
    if (!name) {
      return;
    }
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = new AbortController();
    try {
      const response = await fetch(`${note.dataset.evidenceUrl}?${new URLSearchParams({ queue: name })}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: inFlight.signal,
      });
      if (!response.ok || response.redirected) {
        return; // no data for this queue (or a new one): the typed figures stand
      }
      const data = await response.json();
      const filled = [fill(volume, data.weekly_volume), fill(handle, data.handle_time_minutes)];
      const parts = [];
      if (data.weekly_volume !== null) {
        parts.push(`${data.weekly_volume.toLocaleString("en-GB")} tickets a week`);
      }
      if (data.handle_time_minutes !== null) {
        parts.push(`${data.handle_time_minutes} min handle time`);
      }
      const action = filled.some(Boolean) ? "Filled in" : "The queue's figures";
      note.textContent = `${action} ${data.note}: ${parts.join(", ")}. Change them if you know better.`;
    } catch (error) {
      if (error.name !== "AbortError") {
        lastName = null; // a network hiccup: try again on the next change
      }
    }
  }

  queue.addEventListener("change", lookup);
  // Choosing from the list fires "input" in some browsers before "change".
  queue.addEventListener("input", () => {
    const options = document.querySelectorAll("#queue-names option");
    if ([...options].some((option) => option.value === queue.value)) {
      lookup();
    }
  });
  if (queue.value.trim()) {
    lookup(); // a queue filled from a link
  }
})();
