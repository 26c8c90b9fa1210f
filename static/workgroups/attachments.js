// Sends the chosen file's name as the browser saw it beside the file: Django's upload parser drops
// the ZWNJ of Persian names, and the server puts it back only when nothing else differs
// (workgroups/attachments/services.py, name_as_typed).
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-typed-name]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-typed-name"));
    if (!target) {
      return;
    }
    input.addEventListener("change", function () {
      target.value = input.files && input.files.length ? input.files[0].name : "";
    });
  });
})();
