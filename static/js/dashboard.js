// The program dashboard's charts (Apache ECharts, served from this site).
// The figures come from the page (json_script "dashboard-data"); each
// element with data-chart="<key>" gets a bar or line chart of that key.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var red = "#b42318";
  var format = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var series = data[el.dataset.chart];
    if (!series || !series.labels.length) { el.hidden = true; return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return format.format(v); } },
      xAxis: { type: "category", data: series.labels, axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return format.format(v); } } },
      series: [{
        type: el.dataset.kind === "line" ? "line" : "bar",
        data: series.values,
        barMaxWidth: 56,
        itemStyle: { color: red },
        lineStyle: { color: red },
        label: { show: series.values.length <= 8, position: "top", formatter: function (p) { return format.format(p.value); } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
