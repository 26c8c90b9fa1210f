// Attach the vendored Jalali date picker to every input marked with data-jdp, and make its popup
// accessible and right-to-left: the picker draws its year and month <select>s without names and
// opens at the left edge of the field; here they get names, the popup a dialog role and a name,
// and it is aligned with the field's right edge (where a right-to-left field starts).
(function () {
  "use strict";

  function container() {
    return document.querySelector("jdp-container");
  }

  function label(box) {
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "انتخاب تاریخ");
    var names = { ".jdp-year select": "سال", ".jdp-month select": "ماه" };
    Object.keys(names).forEach(function (selector) {
      box.querySelectorAll(selector).forEach(function (select) {
        select.setAttribute("aria-label", names[selector]);
      });
    });
  }

  function alignTo(input) {
    var box = container();
    if (!box || box.style.display === "none") {
      return;
    }
    label(box);
    if (window.matchMedia("(max-width: 481px)").matches) {
      return; // on a phone the picker is a sheet at the bottom of the screen
    }
    var field = input.getBoundingClientRect();
    var left = field.right - box.offsetWidth + window.scrollX;
    box.style.left = Math.max(window.scrollX, left) + "px";
  }

  function start() {
    if (!window.jalaliDatepicker) {
      return;
    }
    window.jalaliDatepicker.startWatch({ persianDigits: true, autoHide: true, hideAfterChange: true });
    var active = null;
    ["focusin", "click"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var input = event.target.closest && event.target.closest("[data-jdp]");
        if (input) {
          active = input;
          window.requestAnimationFrame(function () {
            alignTo(input);
          });
        }
      });
    });
    // The picker redraws its days and selects when the month or year changes: name them again.
    new MutationObserver(function () {
      var box = container();
      if (box) {
        label(box);
        if (active) {
          alignTo(active);
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", function () {
      if (active) {
        alignTo(active);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
