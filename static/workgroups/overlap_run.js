// The office's overlap queue while a whole-cycle detection runs in the background: show the
// server's progress every two seconds, and reload the queue once the run has ended.
(function () {
  "use strict";
  const panel = document.getElementById("overlap-run");
  if (!panel || panel.dataset.active !== "true") return;
  const message = panel.querySelector("[data-role=message]");
  const bar = panel.querySelector("progress");

  async function poll() {
    let status;
    try {
      const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch (error) {
      message.textContent = "وضعیت بررسی در دسترس نیست؛ دوباره تلاش می‌شود…";
      window.setTimeout(poll, 5000);
      return;
    }
    message.textContent = status.message;
    if (bar) bar.value = status.percent;
    if (status.active) {
      window.setTimeout(poll, 2000);
    } else {
      window.location.reload();
    }
  }
  window.setTimeout(poll, 2000);
})();
