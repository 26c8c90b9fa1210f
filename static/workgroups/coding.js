// The coding page: code inputs become searchable pickers (a combobox with a listbox of results,
// arrow keys + Enter, or the mouse); choosing a code in a project's row saves it at once and the
// row is replaced by the server's re-rendered one. Suggestions save the same way. Rows come
// closed (their codes as read and a link); the link asks the server for the open row and puts it
// in place, without reloading the page. Without this script every form still works as a plain
// HTML form, and the link opens the row with the page.
(function () {
  "use strict";

  const list = document.getElementById("coding-list");
  const status = document.getElementById("coding-status");
  const bulkForm = document.getElementById("bulk-form");
  const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  let pickerCount = 0;

  function fa(text) {
    return String(text).replace(/[0-9]/g, (d) => PERSIAN_DIGITS[Number(d)]);
  }

  function announce(message, isError) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("coding-status--error", Boolean(isError));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderPath(container, result) {
    container.textContent = "";
    const chain = el("ol", "code-path__chain");
    chain.setAttribute("aria-label", "مسیر کد");
    result.path.forEach((node, index) => {
      if (index < result.path.length - 1) {
        chain.append(el("li", "", node.title));
        return;
      }
      const leaf = el("li", "code-path__leaf");
      leaf.append(el("bdi", "code", fa(node.code)), " " + node.title);
      chain.append(leaf);
    });
    container.append(chain);
    if (result.credit_type_label) {
      const badge = el("span", "badge badge--" + (result.credit_type === "capital" ? "info" : "muted"));
      badge.textContent = result.credit_type_label;
      container.append(badge);
    }
  }

  // ---- The picker ------------------------------------------------------------------------------

  function setupPicker(box, onChoose) {
    const input = box.querySelector("input[type=text]");
    const chosenId = box.querySelector("[data-role=chosen-id]");
    const path = box.querySelector("[data-role=path]");
    const listbox = el("ul", "code-listbox");
    const hint = el("p", "code-picker__hint visually-hidden");
    pickerCount += 1;
    listbox.id = "code-listbox-" + pickerCount;
    hint.id = listbox.id + "-hint";
    hint.textContent = "با نوشتن کد یا بخشی از عنوان جست‌وجو کنید؛ با کلیدهای بالا و پایین گزینه را انتخاب و با Enter تأیید کنید.";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", box.querySelector("label").textContent);
    listbox.hidden = true;
    const control = el("div", "code-picker__control");
    input.before(control);
    control.append(input, listbox);
    box.append(hint);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + hint.id);

    let results = [];
    let active = -1;
    let timer = null;
    let request = 0;
    let original = input.value;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const options = listbox.querySelectorAll("[role=option]");
      options.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(items, query) {
      results = items;
      listbox.textContent = "";
      if (!items.length) {
        const empty = el("li", "code-listbox__empty", query ? "کدی با این جست‌وجو پیدا نشد." : "");
        empty.setAttribute("role", "presentation");
        listbox.append(empty);
      }
      items.forEach((item, index) => {
        const option = el("li", "code-option");
        option.id = listbox.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.index = index;
        const head = el("span", "code-option__head");
        head.append(el("bdi", "code", fa(item.code)), " " + item.title);
        const trail = el(
          "span",
          "code-option__path",
          item.path.slice(0, -1).map((node) => node.title).join(" › ") +
            (item.credit_type_label ? " · " + item.credit_type_label : "")
        );
        option.append(head, trail);
        listbox.append(option);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(items.length ? 0 : -1);
    }

    function search() {
      const query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      const number = ++request;
      const url = box.dataset.searchUrl + "&q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((items) => {
          if (number === request && document.activeElement === input) render(items, query);
        })
        .catch(() => announce("جست‌وجوی کدها انجام نشد؛ دوباره تلاش کنید.", true));
    }

    function choose(index) {
      const item = results[index];
      if (!item) return;
      close();
      input.value = fa(item.code);
      original = input.value;
      chosenId.value = item.id;
      renderPath(path, item);
      onChoose(box, item);
    }

    input.addEventListener("input", () => {
      chosenId.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 180);
    });
    input.addEventListener("keydown", (event) => {
      const open = !listbox.hidden && results.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (listbox.hidden) search();
        else if (open) highlight((active + 1) % results.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) highlight((active - 1 + results.length) % results.length);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) {
          event.preventDefault();
          close();
          input.value = original;
        }
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    // pointerdown, not click: the input keeps focus, so the listbox is still there to be clicked.
    listbox.addEventListener("pointerdown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      choose(Number(option.dataset.index));
    });
  }

  // ---- Saving a row ----------------------------------------------------------------------------

  function updateCounts(payload) {
    if (payload.coded_count === undefined) return;
    document.querySelectorAll("[data-role=coded-count]").forEach((node) => {
      node.textContent = fa(payload.coded_count);
    });
    document.querySelectorAll("[data-role=total]").forEach((node) => {
      node.textContent = fa(payload.total);
    });
    const progress = document.querySelector("[data-role=progress]");
    if (progress) {
      progress.max = payload.total;
      progress.value = payload.coded_count;
    }
  }

  // What remains to do and the submit button, as the server drew them after the save.
  function replaceStatus(html) {
    const box = document.querySelector(".coding-summary__list");
    if (!box || !html) return;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    box.replaceWith(template.content.firstElementChild);
  }

  function replaceRow(item, html, focusId) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    const selected = item.querySelector(".coding-item__select");
    const wasChecked = selected && selected.checked;
    // The head may already be typing in the row's other picker when the save's answer arrives:
    // carry that typing over to the fresh row instead of losing it.
    const active = document.activeElement;
    const typing =
      active && item.contains(active) && active.matches("input[type=text]") && active.id !== focusId
        ? { name: active.name, value: active.value }
        : null;
    item.replaceWith(fresh);
    setupRow(fresh);
    const box = fresh.querySelector(".coding-item__select");
    if (box) box.checked = wasChecked;
    applyFilter();
    const again = typing && fresh.querySelector('input[type=text][name="' + typing.name + '"]');
    if (again) {
      again.value = typing.value;
      again.focus();
      again.dispatchEvent(new Event("input"));
      return fresh;
    }
    // A refused code is shown on its own field (the server rendered the message there): go to it.
    const invalid = fresh.querySelector("input[aria-invalid=true]");
    const target = invalid || (focusId && document.getElementById(focusId));
    if (target) target.focus();
    return fresh;
  }

  // One request of a row (opening it, saving it): the row is busy meanwhile; an answer that is not
  // JSON becomes a failure naming `failed` and the status; a lost connection is announced (null).
  function rowRequest(item, url, options, failed, lost) {
    item.setAttribute("aria-busy", "true");
    return fetch(url, { ...options, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) =>
        response.json().catch(() => ({ ok: false, message: failed + " (" + fa(response.status) + ")." }))
      )
      .catch(() => {
        announce(lost, true);
        return null;
      })
      .finally(() => item.removeAttribute("aria-busy"));
  }

  // The open row from the server (the form's address answers GET with it), focused on its first
  // code input; a list that may not be coded now answers with the reason.
  function openRow(item, link) {
    const lost = "ارتباط با سامانه برقرار نشد؛ ردیف باز نشد.";
    return rowRequest(item, link.dataset.url, {}, "ردیف باز نشد", lost).then((payload) => {
      if (!payload) return;
      if (payload.html) replaceRow(item, payload.html, "program-" + item.dataset.projectId);
      else announce(payload.error || payload.message, true);
    });
  }

  function save(form, data, focusId) {
    const item = form.closest(".coding-item");
    const lost = "ارتباط با سامانه برقرار نشد؛ کدها ذخیره نشدند.";
    const options = { method: "POST", body: data };
    return rowRequest(item, form.action, options, "ذخیره انجام نشد", lost).then((payload) => {
      if (!payload) return;
      updateCounts(payload);
      replaceStatus(payload.status_html);
      if (payload.html) replaceRow(item, payload.html, focusId);
      announce(payload.message || payload.error, !payload.ok);
    });
  }

  function baseData(form) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    form.querySelectorAll("[name^=was_]").forEach((input) => data.append(input.name, input.value));
    return data;
  }

  function setupRow(item) {
    const form = item.querySelector(".coding-form");
    if (form) {
      form.querySelectorAll(".code-picker").forEach((box) =>
        setupPicker(box, (pickerBox, result) => {
          // Only the chosen code is sent: the other input may hold a half-typed search.
          const data = baseData(form);
          data.append(pickerBox.dataset.scheme + "_code_id", result.id);
          save(form, data, pickerBox.querySelector("input[type=text]").id);
        })
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const data = new FormData(form);
        save(form, data, form.querySelector("input[type=text]").id);
      });
    }
    item.querySelectorAll(".suggestion-form").forEach((suggestion) => {
      suggestion.addEventListener("submit", (event) => {
        event.preventDefault();
        save(suggestion, new FormData(suggestion), "program-" + item.dataset.projectId);
      });
    });
    const edit = item.querySelector("[data-role=edit]");
    if (edit) {
      edit.addEventListener("click", (event) => {
        event.preventDefault();
        openRow(item, edit);
      });
    }
    const select = item.querySelector(".coding-item__select");
    if (select) select.addEventListener("change", updateSelection);
  }

  // ---- Bulk and filter -------------------------------------------------------------------------

  function updateSelection() {
    const count = document.querySelectorAll(".coding-item__select:checked").length;
    document.querySelectorAll("[data-role=selected-count]").forEach((node) => {
      node.textContent = fa(count);
    });
    if (bulkForm) bulkForm.classList.toggle("bulk-bar--active", count > 0);
  }

  const onlyUncoded = document.getElementById("only-uncoded");

  function applyFilter() {
    if (!list || !onlyUncoded) return;
    list.classList.toggle("coding-list--uncoded-only", onlyUncoded.checked);
  }

  document.documentElement.classList.add("js");
  if (list) list.querySelectorAll(".coding-item").forEach(setupRow);
  if (bulkForm) {
    bulkForm.querySelectorAll(".code-picker").forEach((box) => setupPicker(box, () => {}));
    bulkForm.addEventListener("submit", (event) => {
      if (!document.querySelector(".coding-item__select:checked")) {
        event.preventDefault();
        announce("نخست پروژه‌هایی را که کد به آن‌ها اعمال شود انتخاب کنید.", true);
      }
    });
  }
  if (onlyUncoded) onlyUncoded.addEventListener("change", applyFilter);
  updateSelection();
})();
