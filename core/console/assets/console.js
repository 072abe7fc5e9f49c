// The console's only script: progressive enhancement. Every form works without it.
// - "Sync now" shows progress while the sync runs, then reloads the page.
// - "Copy" puts an invitation on the clipboard.
// - Choosing a Markdown file fills the declaration's text area.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-sync]");
  if (form && window.fetch) {
    var status = document.getElementById("sync-status");
    var button = form.querySelector("button");
    var poll = function (target) {
      fetch("/sync/status", { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (status) status.textContent = s.text;
          if (!s.running && s.generation >= target) {
            window.location.reload();
          } else {
            window.setTimeout(function () { poll(target); }, 400);
          }
        })
        .catch(function () { form.submit(); });
    };
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (button) button.disabled = true;
      if (status) status.textContent = form.getAttribute("data-running") || "";
      fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (r) { return r.json(); })
        .then(function (j) { poll(j.generation); })
        .catch(function () { form.submit(); });
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var source = document.getElementById(b.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        var done = document.getElementById(b.getAttribute("data-copy") + "-copied");
        if (done) done.textContent = b.getAttribute("data-copied") || "";
      });
    });
  });

  var file = document.querySelector("input[type=file][data-fills]");
  if (file && window.FileReader) {
    file.addEventListener("change", function () {
      var area = document.getElementById(file.getAttribute("data-fills"));
      if (!area || !file.files || !file.files[0]) return;
      var reader = new FileReader();
      reader.onload = function () { area.value = String(reader.result); };
      reader.readAsText(file.files[0]);
    });
  }
});
