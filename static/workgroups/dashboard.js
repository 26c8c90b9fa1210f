// The budget office dashboard's two charts, drawn from the JSON the page carries in
// #dashboard-data (no inline script: the page runs under a strict Content-Security-Policy).
(function () {
  "use strict";

  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  function persian(value) {
    return String(value).replace(/[0-9]/g, function (d) { return PERSIAN_DIGITS[+d]; });
  }

  function money(value) {
    return persian(Math.round(value).toLocaleString("en-US").replace(/,/g, "٬"));
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  // Dashed vertical lines at the deadline days of the timeline, labelled at the top.
  var deadlineLines = {
    id: "deadlineLines",
    afterDatasetsDraw: function (chart, args, options) {
      var markers = options.markers || [];
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      markers.forEach(function (marker, index) {
        var position = x.getPixelForValue(marker.index);
        ctx.strokeStyle = options.color;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(position, area.top);
        ctx.lineTo(position, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = options.color;
        ctx.font = "600 12px " + options.font;
        ctx.textAlign = "right";
        ctx.fillText(marker.label, position - 4, area.top + 14 + index * 16);
      });
      ctx.restore();
    }
  };

  function creditChart(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "اعتبار درخواستی", data: data.requested, backgroundColor: cssVar("--color-primary", "#0f6275") },
          { label: "سقف اعتبار", data: data.ceiling, backgroundColor: cssVar("--color-focus", "#f2b705") }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { callback: function (value) { return money(value); } } },
          y: { position: "right", ticks: { autoSkip: false } }
        },
        plugins: {
          legend: { rtl: true, position: "bottom" },
          tooltip: {
            rtl: true,
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + money(item.raw); }
            }
          }
        }
      }
    });
  }

  function timelineChart(canvas, data) {
    var colours = [cssVar("--color-primary", "#0f6275"), cssVar("--color-success", "#1a7346")];
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.data,
            borderColor: colours[index % colours.length],
            backgroundColor: colours[index % colours.length],
            stepped: true,
            pointRadius: 0,
            borderWidth: 2
          };
        })
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { reverse: true, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
          y: {
            position: "right",
            min: 0,
            suggestedMax: data.workgroups,
            ticks: { precision: 0, callback: function (value) { return persian(value); } },
            title: { display: true, text: "شمار کارگروه‌ها" }
          }
        },
        plugins: {
          legend: { rtl: true, position: "bottom" },
          tooltip: {
            rtl: true,
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + persian(item.raw) + " از " + persian(data.workgroups);
              }
            }
          },
          deadlineLines: {
            markers: data.deadlines,
            color: cssVar("--color-danger", "#b42318"),
            font: cssVar("--font-sans", "sans-serif")
          }
        }
      },
      plugins: [deadlineLines]
    });
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = cssVar("--font-sans", "sans-serif");
    window.Chart.defaults.color = cssVar("--color-text", "#1c2631");
    var credit = document.getElementById("credit-chart");
    if (credit && data.credit.labels.length) {
      creditChart(credit, data.credit);
    }
    var timeline = document.getElementById("timeline-chart");
    if (timeline && data.timeline) {
      timelineChart(timeline, data.timeline);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
