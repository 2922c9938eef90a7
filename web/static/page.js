// The page's one script. It only adds to pages that work without it: completions as you type
// (the search box's <datalist>, from /api/suggest; a headline chosen opens its article), and
// keys: `/` to the search box, `j` and `k` to the next and previous result.
(function () {
  "use strict";
  var DELAY_MS = 120;
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-suggest]");
    var list = document.getElementById("suggestions");
    if (!input || !list || !window.fetch) return;
    var timer = null, latest = 0;
    input.addEventListener("input", function (event) {
      // A headline chosen from the list opens its article.
      if (event.inputType === "insertReplacementText" || event.inputType === undefined) {
        var chosen = Array.prototype.find.call(list.options, function (option) {
          return option.dataset.id && option.value === input.value;
        });
        if (chosen) { window.location.href = input.dataset.articles + encodeURIComponent(chosen.dataset.id); return; }
      }
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
              if (item.id) option.dataset.id = item.id;
              return option;
            }));
          })
          .catch(function () {});
      }, DELAY_MS);
    });
  });

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      var box = document.querySelector("input[type=search]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var links = Array.prototype.slice.call(document.querySelectorAll(".hit h2 a"));
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    event.preventDefault();
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  });
})();
