/* kaoping pages: render the ECharts charts described by data attributes, sort tables.
 * Charts read their data from <script type="application/json" id="chart-data-KIND">, keyed
 * by the chart element's data-key, so pages carry no inline scripts. */
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") || "zh";

  function scale(unit, v) {
    if (v === null || v === undefined) { return null; }
    return unit === "rate" ? Math.round(v * 10000) / 100 : Math.round(v * 100) / 100;
  }
  function suffix(unit) { return unit === "rate" ? "%" : ""; }
  function dataFor(kind) {
    var el = document.getElementById("chart-data-" + kind);
    return el ? JSON.parse(el.textContent) : {};
  }

  function trend(el, series, unit) {
    var small = el.classList.contains("chart-small");
    return {
      animation: false,
      grid: small ? { left: 4, right: 4, top: 8, bottom: 4, containLabel: false }
                  : { left: 60, right: 20, top: 20, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + suffix(unit); } },
      xAxis: { type: "category", data: series.map(function (p) { return p.period; }), show: !small },
      yAxis: { type: "value", scale: true, show: !small,
               axisLabel: { formatter: "{value}" + suffix(unit) } },
      series: [{ type: "line", smooth: false, symbolSize: small ? 3 : 6,
                 data: series.map(function (p) { return scale(unit, p.value); }) }]
    };
  }

  function bars(el, d, unit) {
    return {
      animation: false,
      grid: { left: 60, right: 20, top: 20, bottom: 90 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + suffix(unit); } },
      xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + suffix(unit) } },
      series: [{ type: "bar", data: d.values.map(function (v) { return scale(unit, v); }) }]
    };
  }

  // a breakdown: one horizontal bar per category, so that long labels (chapters of the
  // Criminal Law) read in full; the value is written at the end of each bar
  function breakdown(el, d, unit) {
    // as the table prints it (kaoping.narrative.numbers.format_value): rates and days
    // to one decimal, ratios to two, counts whole with thousands separators
    var places = { rate: 1, days: 1, ratio: 2 }[unit];
    function text(v) {
      if (v === null || v === undefined) { return "—"; }
      if (unit === "count") { return Math.round(v).toLocaleString("en-US"); }
      return (places === undefined ? v : v.toFixed(places)) + suffix(unit);
    }
    return {
      animation: false,
      grid: { left: 10, right: 70, top: 10, bottom: 10, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: text },
      xAxis: { type: "value", axisLabel: { formatter: "{value}" + suffix(unit) } },
      yAxis: { type: "category", inverse: true, data: d.labels },
      series: [{ type: "bar", barMaxWidth: 22,
                 label: { show: true, position: "right",
                          formatter: function (p) { return text(p.value); } },
                 data: d.values.map(function (v) { return scale(unit, v); }) }]
    };
  }

  function histogram(el, d, unit) {
    var labels = [];
    for (var i = 0; i + 1 < d.edges.length; i++) {
      labels.push(scale(unit, d.edges[i]) + "–" + scale(unit, d.edges[i + 1]) + suffix(unit));
    }
    return {
      animation: false,
      grid: { left: 50, right: 20, top: 20, bottom: 70 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.counts.map(function (c, i) {
        return { value: c, itemStyle: { color: i === d.organ_bin ? "#1d4ed8" : "#9aa5b1" } };
      }) }]
    };
  }

  function grades(el, d) {
    var colors = ["#2e7d32", "#1d4ed8", "#e0a800", "#c62828", "#616e7c"];
    return {
      animation: false,
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.values.map(function (v, i) {
        return { value: v, itemStyle: { color: colors[Math.min(i, colors.length - 1)] } };
      }) }]
    };
  }

  // a chart after a section of the briefing: headline changes (pp), totals, grade counts
  function briefing(el, d) {
    var unit = d.unit === "pp" ? (lang === "zh" ? "个百分点" : " pp") : "";
    return {
      animation: false,
      grid: { left: 60, right: 20, top: 20, bottom: 90 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + unit; } },
      xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: d.values.map(function (v, i) {
        return { value: v, itemStyle: { color: d.flagged[i] ? "#c62828" : "#1d4ed8" } };
      }) }]
    };
  }

  var builders = { trend: trend, bars: bars, histogram: histogram, grades: grades,
                   briefing: briefing, breakdown: breakdown };
  var cache = {};

  function drawCharts() {
    if (!window.echarts) { return; }
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var kind = el.getAttribute("data-chart");
      cache[kind] = cache[kind] || dataFor(kind);
      var d = cache[kind][el.getAttribute("data-key")];
      if (!d) { continue; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(builders[kind](el, d, el.getAttribute("data-unit")));
      el.setAttribute("data-rendered", "1");
      if (kind === "bars" && d.codes) {  // a league's bars lead to their organs
        chart.on("click", function (params) {
          var codes = cache.bars.league.codes;
          window.location.href = "/organs/" + codes[params.dataIndex] + window.location.search;
        });
      }
    }
    document.body.setAttribute("data-charts", "ready");
  }

  function sortable(table) {
    var heads = table.querySelectorAll("th");
    heads.forEach(function (th, col) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-sort") === "num";
        var asc = !th.classList.contains("asc");
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var xv = x.getAttribute("data-sort-value"), yv = y.getAttribute("data-sort-value");
          xv = xv === null ? x.textContent.trim() : xv;
          yv = yv === null ? y.textContent.trim() : yv;
          var r;
          if (numeric) {
            var xn = xv === "" ? Infinity : parseFloat(xv), yn = yv === "" ? Infinity : parseFloat(yv);
            r = xn === yn ? 0 : (xn < yn ? -1 : 1);
          } else {
            r = xv.localeCompare(yv, lang === "zh" ? "zh-CN" : "en");
          }
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function wireForms() {
    // selects that change the page (period, indicator) submit their form at once
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
    // an object button names its line in the objection form below the score
    document.querySelectorAll(".object-btn").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var form = document.getElementById("object-form");
        form.indicator.value = btn.getAttribute("data-indicator");
        form.reason.focus();
      });
    });
  }

  // every on-screen table gets a link to itself as xlsx (kaoping/web/export.py reads the
  // same page's HTML back): the table is named by its id, or by its place on the page
  function exportLinks() {
    var all = Array.prototype.filter.call(document.querySelectorAll("table"), function (t) {
      return !t.parentElement.closest("table");
    });
    var label = document.body.getAttribute("data-export-label") || "xlsx";
    all.forEach(function (table, i) {
      if (!table.matches("table.grid, .briefing-doc table")) { return; }
      var id = table.id || ("table-" + (i + 1));
      var params = new URLSearchParams(window.location.search);
      params.set("export", "xlsx");
      params.set("table", id);
      var a = document.createElement("a");
      a.href = window.location.pathname + "?" + params.toString();
      a.className = "export-xlsx no-print";
      a.setAttribute("data-export", id);
      a.setAttribute("download", "");
      a.textContent = label;
      table.insertAdjacentElement("afterend", a);
    });
  }

  // a section the server did not wait for (the organ page's possible gaming, while the
  // detectors run the first time) names its own URL: fetched and put in its place; on
  // failure its link stays
  function lateSections() {
    document.querySelectorAll("[data-fragment]").forEach(function (el) {
      fetch(el.getAttribute("data-fragment"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { el.outerHTML = html; })
        .catch(function () { el.removeAttribute("data-fragment"); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    lateSections();
    exportLinks();
    document.querySelectorAll("[data-print]").forEach(function (btn) {
      btn.addEventListener("click", function () { window.print(); });
    });
    wireForms();
    drawCharts();
    document.querySelectorAll("table.sortable").forEach(sortable);
  });
})();
