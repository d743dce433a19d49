// Calibration on the score form: "Use 80%" puts the confidence suggested by how this idea's
// source and area delivered on their estimates into the Confidence input (a select for RICE,
// a number for ICE). The buttons are hidden until this file runs, so without it the sentence
// stands alone and nothing on the page does nothing.
(() => {
  for (const button of document.querySelectorAll("button[data-calibration-fill]")) {
    const input = document.getElementById(button.dataset.calibrationFill);
    const value = button.dataset.calibrationValue;
    if (!input || value === undefined) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", () => {
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
  }
})();
