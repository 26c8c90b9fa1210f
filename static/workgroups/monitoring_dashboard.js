// The monitoring dashboard's two charts, drawn from the figures the server computed and the page
// carries in #monitoring-data (no inline script: the page runs under a strict Content-Security-Policy).
(function () {
  "use strict";

  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  // Longer labels are cut with an ellipsis so that they neither overlap nor squeeze the bars on a
  // phone; the full name is in the tooltip and in the table below the chart.
  var LABEL_CHARS_WIDE = 22;
  var LABEL_CHARS_NARROW = 12;

  function persian(value) {
    return String(value).replace(/[0-9]/g, function (d) { return PERSIAN_DIGITS[+d]; });
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : persian(value) + "٪";
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function shorten(label, chars) {
    return label.length > chars ? label.slice(0, chars - 1) + "…" : label;
  }

  function narrow() {
    return window.matchMedia("(max-width: 640px)").matches;
  }

  function curveChart(canvas, data) {
    var primary = cssVar("--color-primary", "#0f6275");
    var accent = cssVar("--color-focus", "#f2b705");
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "برنامه‌ای", data: data.planned, borderColor: accent, backgroundColor: accent, borderDash: [6, 4], spanGaps: true },
          { label: "گزارش‌شده", data: data.reported, borderColor: primary, backgroundColor: primary, spanGaps: false }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { reverse: true, offset: true, ticks: { maxRotation: 0 } },
          y: {
            position: "right",
            min: 0,
            max: 100,
            ticks: { stepSize: 20, callback: function (value) { return persian(value) + "٪"; } }
          }
        },
        plugins: {
          legend: { rtl: true, position: "bottom" },
          tooltip: {
            rtl: true,
            callbacks: { label: function (item) { return item.dataset.label + ": " + percent(item.raw); } }
          }
        }
      }
    });
  }

  function workgroupsChart(canvas, data) {
    var chars = narrow() ? LABEL_CHARS_NARROW : LABEL_CHARS_WIDE;
    // A horizontal bar per workgroup: the box grows with the number of workgroups so bars and
    // labels keep their room.
    canvas.parentNode.style.blockSize = Math.max(288, 56 + data.labels.length * (narrow() ? 44 : 36)) + "px";
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "پیشرفت برنامه‌ای", data: data.planned, backgroundColor: cssVar("--color-focus", "#f2b705") },
          { label: "پیشرفت گزارش‌شده", data: data.reported, backgroundColor: cssVar("--color-primary", "#0f6275") },
          { label: "جذب اعتبار", data: data.absorption, backgroundColor: cssVar("--color-success", "#1a7346") }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: {
            min: 0,
            suggestedMax: 100,
            reverse: true,
            ticks: { maxRotation: 0, autoSkipPadding: 12, callback: function (value) { return persian(value) + "٪"; } }
          },
          y: {
            position: "right",
            ticks: {
              autoSkip: false,
              callback: function (value) { return shorten(this.getLabelForValue(value), chars); }
            }
          }
        },
        plugins: {
          legend: { rtl: true, position: "bottom" },
          tooltip: {
            rtl: true,
            callbacks: {
              title: function (items) { return items.length ? data.labels[items[0].dataIndex] : ""; },
              label: function (item) { return item.dataset.label + ": " + percent(item.raw); }
            }
          }
        }
      }
    });
  }

  function start() {
    var source = document.getElementById("monitoring-data");
    if (!source || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = cssVar("--font-sans", "sans-serif");
    window.Chart.defaults.color = cssVar("--color-text", "#1c2631");
    var curve = document.getElementById("curve-chart");
    if (curve) {
      curveChart(curve, data.curve);
    }
    var workgroups = document.getElementById("workgroups-chart");
    if (workgroups && data.workgroups.labels.length) {
      workgroupsChart(workgroups, data.workgroups);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
