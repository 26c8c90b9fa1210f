// Attach the vendored Jalali date picker to every input marked with data-jdp.
(function () {
  "use strict";
  function start() {
    if (window.jalaliDatepicker) {
      window.jalaliDatepicker.startWatch({ persianDigits: true, autoHide: true, hideAfterChange: true });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
