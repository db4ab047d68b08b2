// The site's only script besides the libraries: pages carry no inline script (the
// Content-Security-Policy forbids it), so behaviour is declared with data attributes.
//
// data-plotly-spec="ID": draw the Plotly figure {data, layout} of the json_script block ID
//   (data-plotly-modebar="off" hides Plotly's tool bar); data-rendered="1" once drawn.
// data-submit-on-change: a select that submits its form when changed (the clinic switch).
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly !== "undefined") {
    document.querySelectorAll("[data-plotly-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.plotlySpec);
      if (!source || el.dataset.plotting) { return; }
      el.dataset.plotting = "1";
      var spec = JSON.parse(source.textContent);
      var config = {displaylogo: false, responsive: true};
      if (el.dataset.plotlyModebar === "off") { config.displayModeBar = false; }
      Plotly.newPlot(el, spec.data, spec.layout, config).then(function () {
        el.dataset.rendered = "1";
      });
    });
  }
});
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-submit-on-change]") && target.form) {
    target.form.requestSubmit();
  }
});
