// cxex report: draws the plotly figures embedded in each page (lazily, when their section is visible),
// switches the overview's year and sorts tables. No network: plotly.min.js is a file of the site.
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };

  function draw(root) {
    if (typeof Plotly === "undefined") return;  // pages without charts do not load plotly.js
    root.querySelectorAll(".chart").forEach(function (div) {
      if (div.dataset.drawn || div.offsetParent === null) return;
      var spec = JSON.parse(div.querySelector("script[type='application/json']").textContent);
      div.dataset.drawn = "1";
      Plotly.newPlot(div, spec.data, spec.layout, config);
    });
  }

  function switchYear(select) {
    document.querySelectorAll("section.year").forEach(function (s) {
      s.hidden = s.dataset.year !== select.value;
    });
    var shown = document.querySelector('section.year[data-year="' + select.value + '"]');
    if (shown) {
      draw(shown);
      shown.querySelectorAll(".chart[data-drawn]").forEach(function (d) { Plotly.Plots.resize(d); });
    }
  }

  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      var go = function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var num = th.dataset.type === "num", body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort || "", y = b.cells[col].dataset.sort || "";
          if (x === "" || y === "") return (x === "") - (y === "");  // no figure: always last
          var c = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var year = document.getElementById("year");
    if (year) year.addEventListener("change", function () { switchYear(year); });
    document.querySelectorAll("table.sortable").forEach(sortable);
    var search = document.getElementById("agency-search");
    if (search) search.addEventListener("change", function () {  // an agency picked from the list opens its page
      var want = search.value.trim().toLowerCase();
      var opts = Array.prototype.slice.call(document.querySelectorAll("#agency-list option"));
      var hit = opts.filter(function (o) { return o.value.toLowerCase() === want; })[0] ||
                opts.filter(function (o) { return want && o.value.toLowerCase().indexOf(want) >= 0; })[0];
      if (hit) window.location.href = hit.dataset.href;
    });
    document.querySelectorAll("details").forEach(function (d) {
      d.addEventListener("toggle", function () { draw(d); });
    });
    draw(document);
  });
})();
