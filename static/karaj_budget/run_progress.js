// A background job's progress on the page that asked for it (workgroups/background.py): the
// overlap refresh, the whole-cycle export. Every [data-run-progress] panel of a waiting or running
// job asks the server for its state every data-interval milliseconds, shows the message and the
// bar, and reloads the page once the job has ended, which then shows its result.
(function () {
  "use strict";
  document.querySelectorAll("[data-run-progress][data-active=true]").forEach(function (panel) {
    const message = panel.querySelector("[data-role=message]");
    const bar = panel.querySelector("progress");
    const interval = Number(panel.dataset.interval) || 2000;

    async function poll() {
      let status;
      try {
        const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        status = await response.json();
      } catch (error) {
        message.textContent = "وضعیت کار در دسترس نیست؛ دوباره تلاش می‌شود…";
        window.setTimeout(poll, 5000);
        return;
      }
      message.textContent = status.message;
      if (bar) bar.value = status.percent;
      if (status.active) {
        window.setTimeout(poll, interval);
      } else {
        window.location.reload();
      }
    }
    window.setTimeout(poll, interval);
  });
})();
