// The ranking page: move projects by drag-and-drop, buttons or a position number, save each change
// at once (JSON, with the list's version) and announce it; on any refusal show it plainly and put
// the list back as it is stored. Without this script the same page works as a plain form.
(function () {
  "use strict";

  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  var region = document.getElementById("ranking-region");
  if (!region) {
    return;
  }
  document.documentElement.classList.add("js");

  // ---- formatting (the same output as the server's fa_digits and money filters) ----------------
  function faDigits(value) {
    return String(value).replace(/[0-9]/g, function (d) {
      return PERSIAN_DIGITS[Number(d)];
    });
  }

  function money(value) {
    return faDigits(String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "\u066c"));
  }

  function asciiDigits(text) {
    return text
      .replace(/[۰-۹]/g, function (d) {
        return String(PERSIAN_DIGITS.indexOf(d));
      })
      .replace(/[٠-٩]/g, function (d) {
        return String(d.charCodeAt(0) - 0x0660);
      });
  }

  // ---- the elements (looked up again after the server redraws the list) -------------------------
  var form, ranked, waiting, statusBox, alertBox, canRank;
  var version = 0;
  var saved = null; // {ranked: [ids], unranked: [ids]} as stored on the server
  var inFlight = false;
  var queued = null; // the announcement of a change made while a save was running
  var sortables = [];

  function bind() {
    form = document.getElementById("ranking-form");
    ranked = document.getElementById("ranking");
    waiting = document.getElementById("unranked");
    statusBox = document.getElementById("ranking-status");
    alertBox = document.getElementById("ranking-alert");
    canRank = form.hasAttribute("data-can-rank");
    version = Number(form.dataset.version);
    saved = snapshot();
    shown = readFigures();
    sortables.forEach(function (sortable) {
      sortable.destroy();
    });
    sortables = [];
    if (canRank && window.Sortable) {
      var options = {
        group: "ranking",
        handle: "[data-drag-handle]",
        draggable: ".rank-item",
        animation: 150,
        // Mouse and touch take the same path (and touch scrolling is left alone off the handle).
        forceFallback: true,
        delayOnTouchOnly: true,
        delay: 120,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        scrollSensitivity: 80,
        onEnd: onDragEnd,
      };
      sortables.push(window.Sortable.create(ranked, options));
      sortables.push(window.Sortable.create(waiting, Object.assign({}, options, { sort: false })));
    }
  }

  function items(list) {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > [data-project-id]"));
  }

  function ids(list) {
    return items(list).map(function (item) {
      return Number(item.dataset.projectId);
    });
  }

  function snapshot() {
    return { ranked: ids(ranked), unranked: ids(waiting) };
  }

  function findItem(id) {
    return region.querySelector('[data-project-id="' + id + '"]');
  }

  function titleOf(item) {
    return item.dataset.title;
  }

  // ---- figures: positions at once, the running total and the cut line from the server ----------
  // The running totals, the cut lines ("in", "remainder", "out"; one per credit type once the list
  // has type ceilings) and the totals are the server's (ranking.ListFigures): a save answers with them and this script only shows them. While a save is
  // on its way the moved rows show their new positions and the figures are marked as pending.
  var shown = null; // the figures last drawn: {rows: [...], stats: {...}}

  function readFigures() {
    var rows = items(ranked).map(function (item) {
      var fit = item.querySelector("[data-fit]");
      return {
        id: Number(item.dataset.projectId),
        position: item.querySelector("[data-position]").textContent,
        cumulative: item.querySelector("[data-cumulative]").textContent,
        typed: typedText(item),
        fit: fit.textContent,
        state: fit.dataset.fitState || "",
        cut: item.classList.contains("is-cut"),
      };
    });
    var stats = {};
    region.querySelectorAll("[data-stat]").forEach(function (element) {
      stats[element.dataset.stat] = element.textContent;
    });
    var balanceBox = region.querySelector('[data-stat-box="balance"]');
    return { rows: rows, stats: stats, over: Boolean(balanceBox && balanceBox.classList.contains("is-over")) };
  }

  function typedText(item) {
    var box = item.querySelector("[data-type-cumulative]");
    return box ? box.textContent : "";
  }

  function showFigures(figures) {
    var byId = {};
    figures.rows.forEach(function (row) {
      byId[row.id] = row;
    });
    items(ranked)
      .concat(items(waiting))
      .forEach(function (item) {
        var row = byId[Number(item.dataset.projectId)];
        var fit = item.querySelector("[data-fit]");
        item.classList.toggle("is-below-cutline", Boolean(row) && (row.state === "out" || row.state === "remainder"));
        item.classList.toggle("is-in-remainder", Boolean(row) && row.state === "remainder");
        item.classList.toggle("is-cut", Boolean(row) && row.cut);
        item.querySelector("[data-position]").textContent = row ? row.position : "—";
        item.querySelector("[data-cumulative]").textContent = row ? row.cumulative : "";
        var typedBox = item.querySelector("[data-type-cumulative]");
        if (typedBox) {
          // The cumulative of the row's own credit type (ranking.ListFigures), when it has one.
          typedBox.textContent = row && row.typed ? row.typed : "";
        }
        fit.textContent = row ? row.fit : "";
        if (row && row.state) {
          fit.dataset.fitState = row.state;
        } else {
          delete fit.dataset.fitState;
        }
      });
    Object.keys(figures.stats).forEach(function (name) {
      setStat(name, figures.stats[name]);
    });
    var balanceBox = region.querySelector('[data-stat-box="balance"]');
    if (balanceBox) {
      balanceBox.classList.toggle("is-over", Boolean(figures.over));
    }
    form.classList.remove("is-pending");
    shown = figures;
  }

  function showStatus(html) {
    // The deadline box (what remains to do, the submit button) as the server drew it after the save.
    var box = document.querySelector(".deadline-status");
    if (!box || !html) {
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    box.replaceWith(template.content.firstElementChild);
  }

  // Positions and move buttons follow the rows at once; the figures wait for the server.
  function refresh() {
    var rankedItems = items(ranked);
    rankedItems.forEach(function (item, index) {
      var position = index + 1;
      item.querySelector("[data-position]").textContent = faDigits(position);
      var input = item.querySelector("[data-move-to]");
      if (input) {
        input.value = faDigits(position);
      }
      var up = item.querySelector('[data-move="up"]');
      var down = item.querySelector('[data-move="down"]');
      if (up) {
        up.disabled = index === 0;
      }
      if (down) {
        down.disabled = index === rankedItems.length - 1;
      }
    });
    items(waiting).forEach(function (item) {
      item.classList.remove("is-below-cutline", "is-cut", "is-in-remainder");
      item.querySelector("[data-position]").textContent = "—";
      item.querySelector("[data-cumulative]").textContent = "";
      var typedBox = item.querySelector("[data-type-cumulative]");
      if (typedBox) {
        typedBox.textContent = "";
      }
      item.querySelector("[data-fit]").textContent = "";
      var input = item.querySelector("[data-move-to]");
      if (input) {
        input.value = "";
      }
    });
    region.querySelector('[data-empty="ranked"]').hidden = rankedItems.length > 0;
    region.querySelector('[data-empty="unranked"]').hidden = items(waiting).length > 0;
  }

  function markPending() {
    form.classList.add("is-pending");
  }

  function setStat(name, text) {
    var element = region.querySelector('[data-stat="' + name + '"]');
    if (element) {
      element.textContent = text;
    }
  }

  // ---- messages -------------------------------------------------------------------------------
  function announce(text) {
    alertBox.hidden = true;
    alertBox.textContent = "";
    statusBox.textContent = text;
  }

  function fail(text) {
    statusBox.textContent = "";
    alertBox.textContent = text;
    alertBox.hidden = false;
  }

  // ---- saving ---------------------------------------------------------------------------------
  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function meetingId() {
    var select = form.querySelector("[data-meeting]");
    return select && select.value ? Number(select.value) : null;
  }

  function restoreSaved() {
    saved.ranked.forEach(function (id) {
      var item = findItem(id);
      if (item) {
        ranked.appendChild(item);
      }
    });
    saved.unranked.forEach(function (id) {
      var item = findItem(id);
      if (item) {
        waiting.appendChild(item);
      }
    });
    refresh();
    showFigures(shown);
  }

  function save(message) {
    if (inFlight) {
      queued = message;
      return;
    }
    var sent = snapshot();
    if (!sent.ranked.length) {
      restoreSaved();
      fail("فهرست نمی‌تواند خالی بماند؛ دست‌کم یک پروژه باید در فهرست باشد. تغییر ذخیره نشد.");
      return;
    }
    inFlight = true;
    form.setAttribute("aria-busy", "true");
    statusBox.textContent = "در حال ذخیره…";
    fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "fetch",
      },
      body: JSON.stringify({ version: version, order: sent.ranked, meeting: meetingId() }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { response: response, data: data };
          });
      })
      .then(function (result) {
        finish();
        var data = result.data;
        if (result.response.ok) {
          version = data.version;
          form.dataset.version = String(version);
          form.querySelector("input[name=version]").value = String(version);
          saved = sent;
          if (queued) {
            var next = queued;
            queued = null;
            save(next);
          } else {
            if (data.figures) {
              showFigures(data.figures);
              showStatus(data.figures.status_html);
            }
            announce(message + " و ذخیره شد.");
          }
          return;
        }
        queued = null;
        var text = data.error || "ذخیره نشد (خطای " + faDigits(result.response.status) + ").";
        if (data.html) {
          // The list as stored now (a conflict, or the list was locked meanwhile).
          redraw(data.html);
          fail(text);
        } else {
          restoreSaved();
          fail(text + " فهرست به آخرین وضعیت ذخیره‌شده برگشت.");
        }
      })
      .catch(function () {
        finish();
        queued = null;
        restoreSaved();
        fail("ارتباط با سرور برقرار نشد و تغییر ذخیره نشد؛ فهرست به آخرین وضعیت ذخیره‌شده برگشت.");
      });
  }

  function finish() {
    inFlight = false;
    form.removeAttribute("aria-busy");
  }

  function redraw(html) {
    var meeting = meetingId();
    region.innerHTML = html;
    bind();
    var select = form.querySelector("[data-meeting]");
    if (select && meeting) {
      select.value = String(meeting);
    }
    refresh();
  }

  // ---- moves ----------------------------------------------------------------------------------
  function positionOf(item) {
    return items(ranked).indexOf(item) + 1;
  }

  function describe(item) {
    var position = positionOf(item);
    if (position === 0) {
      return "پروژه «" + titleOf(item) + "» به «در انتظار اولویت‌بندی» برگشت";
    }
    return "پروژه «" + titleOf(item) + "» به ردیف " + faDigits(position) + " منتقل شد";
  }

  function placeAt(item, position) {
    var others = items(ranked).filter(function (other) {
      return other !== item;
    });
    var before = others[position - 1] || null;
    ranked.insertBefore(item, before);
  }

  function focusIn(item, preferred) {
    var order = [preferred, "up", "down", "place"];
    for (var i = 0; i < order.length; i += 1) {
      var button = item.querySelector('[data-move="' + order[i] + '"]');
      if (button && !button.disabled && button.offsetParent !== null) {
        button.focus();
        return;
      }
    }
    var input = item.querySelector("[data-move-to]");
    if (input) {
      input.focus();
    }
  }

  function changed(item, preferredFocus) {
    refresh();
    markPending();
    if (preferredFocus) {
      focusIn(item, preferredFocus);
    }
    save(describe(item));
  }

  function onButton(event) {
    var button = event.target.closest("[data-move]");
    if (!button || !canRank || !region.contains(button)) {
      return;
    }
    event.preventDefault();
    var item = button.closest("[data-project-id]");
    var action = button.dataset.move;
    var inRanked = item.parentElement === ranked;
    if (action === "up" && inRanked && item.previousElementSibling) {
      ranked.insertBefore(item, item.previousElementSibling);
      changed(item, "up");
    } else if (action === "down" && inRanked && item.nextElementSibling) {
      ranked.insertBefore(item.nextElementSibling, item);
      changed(item, "down");
    } else if (action === "place" && !inRanked) {
      ranked.appendChild(item);
      changed(item, "up");
    } else if (action === "out" && inRanked) {
      waiting.insertBefore(item, waiting.firstElementChild);
      changed(item, "place");
    }
  }

  function moveTo(input) {
    var item = input.closest("[data-project-id]");
    var inRanked = item.parentElement === ranked;
    var raw = input.value.trim();
    var count = items(ranked).length + (inRanked ? 0 : 1);
    var current = inRanked ? positionOf(item) : 0;
    if (!raw) {
      input.value = current ? faDigits(current) : "";
      return;
    }
    var text = asciiDigits(raw);
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > count) {
      input.value = current ? faDigits(current) : "";
      fail("«" + raw + "» شماره ردیف نیست؛ عددی از ۱ تا " + faDigits(count) + " بنویسید.");
      return;
    }
    var position = Number(text);
    if (position === current) {
      return;
    }
    placeAt(item, position);
    refresh();
    markPending();
    item.querySelector("[data-move-to]").focus();
    save(describe(item));
  }

  function onKeydown(event) {
    var input = event.target.closest("[data-move-to]");
    if (input && event.key === "Enter") {
      event.preventDefault();
      moveTo(input);
    }
  }

  function onChange(event) {
    var input = event.target.closest("[data-move-to]");
    if (input) {
      moveTo(input);
    }
  }

  function onDragEnd(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) {
      return;
    }
    changed(event.item, null);
  }

  // ---- details in place -----------------------------------------------------------------------
  function onToggle(event) {
    var details = event.target;
    if (!details.matches || !details.matches("details[data-panel-url]") || !details.open) {
      return;
    }
    if (details.dataset.loaded) {
      return;
    }
    details.dataset.loaded = "1";
    var panel = details.querySelector("[data-panel]");
    panel.setAttribute("aria-busy", "true");
    fetch(details.dataset.panelUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        panel.innerHTML = html;
      })
      .catch(function () {
        delete details.dataset.loaded;
        var note = document.createElement("p");
        note.className = "muted";
        note.textContent = "جزئیات بارگیری نشد؛ دوباره باز کنید یا صفحه کامل پروژه را ببینید.";
        panel.appendChild(note);
      })
      .then(function () {
        panel.removeAttribute("aria-busy");
      });
  }

  region.addEventListener("click", onButton);
  region.addEventListener("keydown", onKeydown);
  region.addEventListener("change", onChange);
  region.addEventListener("toggle", onToggle, true);

  function start() {
    bind();
  }
  // Sortable is loaded with `defer` before this script, so both are ready by DOMContentLoaded.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
