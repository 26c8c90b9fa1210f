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

  // Dashed vertical lines at the deadline days of the timeline, each marked with its number in the
  // list of deadlines under the chart (#timeline-deadlines). Their names are not written on the
  // plot: two deadlines a few days apart ran their names over each other and past the edge.
  var deadlineLines = {
    id: "deadlineLines",
    afterDatasetsDraw: function (chart, args, options) {
      var markers = options.markers || [];
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      var radius = 9;
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
        // The number sits in a disc on the line, kept inside the plot, one step lower for each
        // deadline so that two lines a day apart do not share one spot.
        var cx = Math.min(Math.max(position, area.left + radius), area.right - radius);
        var cy = area.top + radius + 2 + index * (2 * radius + 4);
        ctx.fillStyle = options.color;
        ctx.beginPath();
        ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
        ctx.fill();
        ctx.fillStyle = "#fff";
        ctx.font = "700 11px " + options.font;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(persian(index + 1), cx, cy + 1);
      });
      ctx.restore();
    }
  };

  var measure = document.createElement("canvas").getContext("2d");

  // A workgroup's name in lines that fit `width` pixels at the axis's font, at most `maxLines`
  // of them; a word too long for a line (names joined by half-spaces) is cut with an ellipsis.
  // The tooltip and the table above give the whole name.
  function wrapLabel(text, width, font, maxLines) {
    measure.font = font;
    function fits(candidate) { return measure.measureText(candidate).width <= width; }
    function cut(candidate) {
      while (candidate.length > 1 && !fits(candidate + "…")) {
        candidate = candidate.slice(0, -1);
      }
      return candidate + "…";
    }
    var lines = [];
    var line = "";
    var words = String(text).split(/\s+/);
    for (var i = 0; i < words.length; i += 1) {
      var candidate = line ? line + " " + words[i] : words[i];
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) {
        lines.push(line);
      }
      if (lines.length === maxLines - 1) {
        var rest = words.slice(i).join(" ");
        lines.push(fits(rest) ? rest : cut(rest));
        return lines;
      }
      line = fits(words[i]) ? words[i] : cut(words[i]);
    }
    if (line) {
      lines.push(line);
    }
    return lines;
  }

  var LABEL_FONT_SIZE = 12;
  var LABEL_MAX_LINES = 3;

  // The names' axis may take up to about two fifths of the chart's width.
  function labelWidth(chartWidth) {
    return Math.max(80, Math.floor(chartWidth * 0.4) - 16);
  }

  function creditChart(canvas, data) {
    var font = LABEL_FONT_SIZE + "px " + window.Chart.defaults.font.family;
    // Room for each workgroup's wrapped name: the box grows with the number of workgroups and
    // the lines their names need at this width, so the names never run into each other.
    var box = canvas.parentNode;
    var lines = data.labels.map(function (label) {
      return wrapLabel(label, labelWidth(box.clientWidth), font, LABEL_MAX_LINES).length;
    });
    var rows = lines.reduce(function (sum, count) { return sum + Math.max(count, 2); }, 0);
    box.style.blockSize = Math.max(box.clientHeight, rows * (LABEL_FONT_SIZE + 8) + 110) + "px";
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
          x: {
            ticks: {
              maxRotation: 0,
              autoSkipPadding: 16,
              callback: function (value) { return money(value); }
            }
          },
          y: {
            position: "right",
            ticks: {
              autoSkip: false,
              font: { size: LABEL_FONT_SIZE },
              callback: function (value) {
                return wrapLabel(this.getLabelForValue(value), labelWidth(this.chart.width), font, LABEL_MAX_LINES);
              }
            }
          }
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
    measure.font = "12px " + window.Chart.defaults.font.family;
    var widest = data.labels.reduce(function (most, label) {
      return Math.max(most, measure.measureText(label).width);
    }, 0);
    var edgePadding = Math.ceil(widest / 2) + 4;
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
        // Room at the left end for half the last day's tick, which is centred on the plot's edge:
        // with the axis reversed (right to left) Chart.js leaves that room on the other side.
        layout: { padding: { left: edgePadding } },
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
