// The page's one script. It only adds to pages that work without it: completions as you type
// (the search box's <datalist>, from /api/suggest; a headline chosen opens its article), and
// keys: `/` to the search box, `j` and `k` to the next and previous result; and a drag across
// the timeline's bars (each a link to its own span) narrows the search to the span they cover.
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

  document.addEventListener("DOMContentLoaded", function () {
    var chart = document.querySelector("figure.timeline svg");
    if (!chart) return;
    var bars = Array.prototype.slice.call(chart.querySelectorAll("a.bar"));
    var first = null, last = null;
    function barAt(event) {
      var target = document.elementFromPoint(event.clientX, event.clientY);
      return target && target.closest ? target.closest("figure.timeline a.bar") : null;
    }
    function mark() {
      var a = bars.indexOf(first), b = bars.indexOf(last);
      bars.forEach(function (bar, i) {
        bar.classList.toggle("brushed", first !== null && i >= Math.min(a, b) && i <= Math.max(a, b));
      });
    }
    chart.addEventListener("pointerdown", function (event) {
      first = last = barAt(event);
      if (first) { event.preventDefault(); mark(); }  // no native drag of the link
    });
    chart.addEventListener("pointermove", function (event) {
      var bar = first && barAt(event);
      if (bar && bar !== last) { last = bar; mark(); }
    });
    document.addEventListener("pointerup", function () {
      if (!first) return;
      var a = bars.indexOf(first), b = bars.indexOf(last);
      first = last = null;
      if (a === b) { mark(); return; }  // a click: the bar's own link
      var url = new URL(bars[Math.min(a, b)].getAttribute("href"), window.location.href);
      url.searchParams.set("to", bars[Math.max(a, b)].dataset.to);
      window.location.href = url.toString();
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
