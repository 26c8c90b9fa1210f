// Sends the chosen file's name as the browser saw it beside the file: Django's upload parser drops
// the ZWNJ of Persian names, and the server puts it back only when nothing else differs
// (workgroups/attachments/services.py, name_as_typed). Filled when a file is chosen, when the form
// is sent, and at once if a file was chosen before this script ran.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-typed-name]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-typed-name"));
    if (!target) {
      return;
    }
    function fill() {
      target.value = input.files && input.files.length ? input.files[0].name : "";
    }
    input.addEventListener("change", fill);
    if (input.form) {
      input.form.addEventListener("submit", fill);
    }
    fill();
  });
})();
