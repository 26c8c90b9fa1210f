// Keep what is typed in a long form (the meeting's minutes and decisions) through a reload of the
// page: each change is kept in this tab's sessionStorage and put back when the page opens empty
// again; sending the form clears it. The server still validates and saves; this only spares the
// typing. The form is the one marked data-draft="<name>".
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft]");
  if (!form || !window.sessionStorage) {
    return;
  }
  var key = "draft:" + form.dataset.draft + ":" + window.location.pathname;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" && field.type !== "hidden" && field.type !== "submit";
    });
  }

  function read() {
    var values = {};
    fields().forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) {
          (values[field.name] = values[field.name] || []).push(field.value);
        }
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function isEmpty() {
    return fields().every(function (field) {
      return field.type === "checkbox" || field.type === "radio" ? !field.checked : !field.value.trim();
    });
  }

  function restore(values) {
    fields().forEach(function (field) {
      if (!(field.name in values)) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values[field.name].indexOf(field.value) !== -1;
      } else {
        field.value = values[field.name];
      }
    });
  }

  var stored = null;
  try {
    stored = JSON.parse(window.sessionStorage.getItem(key) || "null");
  } catch (error) {
    stored = null;
  }
  // Only into an empty form: a form the server sent back with the person's values wins.
  if (stored && isEmpty()) {
    restore(stored);
    var note = document.getElementById("draft-restored");
    if (note) {
      note.hidden = false;
    }
  }

  function keep() {
    window.sessionStorage.setItem(key, JSON.stringify(read()));
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", function () {
    window.sessionStorage.removeItem(key);
  });
})();
