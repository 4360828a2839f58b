(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chaos-data").textContent);
  var config = {displaylogo: false, responsive: true};
  var base = {
    margin: {l: 60, r: 20, t: 56, b: 56},
    font: {family: "system-ui, -apple-system, Segoe UI, sans-serif", size: 12},
    hovermode: "closest",
    hoverlabel: {align: "left"},
    legend: {orientation: "h", y: -0.2},
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fafafa"
  };
  function draw(id, figure) {
    var element = document.getElementById(id);
    if (!element || element.dataset.drawn) { return; }
    Plotly.newPlot(element, figure.data, Object.assign({}, base, figure.layout), config);
    element.dataset.drawn = "1";
  }
  data.charts.forEach(function (chart) { draw(chart.id, chart.figure); });
  // Timelines are drawn when opened: a report of hundreds of episodes stays quick to load.
  document.querySelectorAll("details[data-timeline]").forEach(function (details) {
    function show() {
      if (details.open) { draw(details.dataset.timeline, data.timelines[details.dataset.timeline]); }
    }
    details.addEventListener("toggle", show);
    show();
  });
  function openTarget() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
