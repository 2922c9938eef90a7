// Completions as you type: fills the search box's <datalist> from /api/suggest.
// The page works without this script; it only adds suggestions.
(function () {
  "use strict";
  var DELAY_MS = 120;
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-suggest]");
    var list = document.getElementById("suggestions");
    if (!input || !list || !window.fetch) return;
    var timer = null, latest = 0;
    input.addEventListener("input", function () {
      var ticket = ++latest;  // an answer for what was typed before this keystroke is dropped
      clearTimeout(timer);
      timer = setTimeout(function () {
        var typed = input.value.trim();
        if (!typed) { list.replaceChildren(); return; }
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(typed.slice(0, 200)))
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) {
            if (ticket !== latest) return;
            list.replaceChildren.apply(list, data.suggestions.map(function (item) {
              var option = document.createElement("option");
              option.value = item.text;
              option.label = item.kind;
              return option;
            }));
          })
          .catch(function () {});
      }, DELAY_MS);
    });
  });
})();
