// The office's whole-cycle export while the background worker builds it: show the server's
// progress every second and a half, and reload once the file is ready (or the build failed), so
// the page offers the download link. A person may leave and come back: the page lists the file.
(function () {
  "use strict";
  const panel = document.getElementById("export-run");
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
      message.textContent = "وضعیت ساختن فایل در دسترس نیست؛ دوباره تلاش می‌شود…";
      window.setTimeout(poll, 5000);
      return;
    }
    message.textContent = status.message;
    if (bar) bar.value = status.percent;
    if (status.active) {
      window.setTimeout(poll, 1500);
    } else {
      window.location.reload();
    }
  }
  window.setTimeout(poll, 1000);
})();
