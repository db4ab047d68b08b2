// The site's only script besides the libraries: pages carry no inline script (the
// Content-Security-Policy forbids it), so behaviour is declared with data attributes.
//
// data-plotly-spec="ID": draw the Plotly figure {data, layout} of the json_script block ID
//   (data-plotly-modebar="off" hides Plotly's tool bar); data-rendered="1" once drawn.
// data-submit-on-change: a select that submits its form when changed (the clinic switch).
// Scrolling boxes (a table wider than a phone's screen, the chart's score tables): one that
//   overflows is made reachable by keyboard (tabindex="0", data-scroll-focus) so it can be
//   scrolled without a mouse; re-checked when the window is resized and after an htmx swap
//   (the root element carries data-scroll-check="pending" until that re-check has run).
// .menu-toggle: on a phone-width screen the header's user line and sections fold behind this
//   button (kitclinic.css); without script they stay shown and wrap.
// data-scale-paste: the "paste all answers" line of a rating scale (assessments/_scale_entry.html):
//   once pasted (or typed and left), a list of as many answers as the scale has items is copied
//   into the items, one each, and the line is cleared; the server reads the line itself when
//   the script does not run.
// #idle-warning (data-idle-limit-seconds, data-idle-warning-seconds): shown with a countdown
//   before the server's idle sign-out (kitclinic.lib.web.idle); "Stay signed in" posts the form (a
//   person's request renews the session); at the limit the page reloads and the server sends it
//   to the login page. Background polls (X-Kitclinic-Background) are not activity.
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
document.addEventListener("DOMContentLoaded", function () {
  var header = document.querySelector(".site-header");
  var toggle = header && header.querySelector(".menu-toggle");
  if (!toggle) { return; }
  function show(open) {
    header.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  header.classList.add("has-menu");
  toggle.addEventListener("click", function () {
    show(!header.classList.contains("menu-open"));
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      show(false);
      toggle.focus();
    }
  });
});
(function () {
  var SCROLLERS = "main table, main .overflow-auto, main .trajectory-table";
  var pending = null;
  function mark() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var style = window.getComputedStyle(el);
      var scrolls = /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (overflows && scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.dataset.scrollFocus = "1";
      } else if (!(overflows && scrolls) && el.dataset.scrollFocus) {
        el.removeAttribute("tabindex");
        delete el.dataset.scrollFocus;
      }
    });
  }
  function later(delayMs) {
    if (pending !== null) { return; }
    document.documentElement.dataset.scrollCheck = "pending";
    pending = window.setTimeout(function () {
      pending = null;
      mark();
      delete document.documentElement.dataset.scrollCheck;
    }, delayMs);
  }
  document.addEventListener("DOMContentLoaded", mark);
  // A window being resized sends a burst of events: one check once the burst has had time to
  // pass. htmx reports a swap once its content has settled: one check in the next task, after
  // the other swaps settling at the same moment.
  window.addEventListener("resize", function () { later(150); });
  document.addEventListener("htmx:afterSettle", function () { later(0); });
})();
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-submit-on-change]") && target.form) {
    target.form.requestSubmit();
  }
});

(function () {
  var form = null;
  var lastActivity = Date.now();
  var SIGN_OUT_MARGIN_MS = 2000;  // reload just after the server's limit, never before it

  function remainingMs() {
    return Number(form.dataset.idleLimitSeconds) * 1000 - (Date.now() - lastActivity);
  }
  function countdown(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function tick() {
    var left = remainingMs();
    if (left + SIGN_OUT_MARGIN_MS <= 0) {
      window.location.reload();
      return;
    }
    if (left <= Number(form.dataset.idleWarningSeconds) * 1000) {
      form.querySelector("[data-idle-countdown]").textContent = countdown(left);
      form.hidden = false;
    } else {
      form.hidden = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("idle-warning");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (response) {
          if (response.redirected) { window.location.assign(response.url); return; }
          lastActivity = Date.now();
          tick();
        });
    });
    window.setInterval(tick, 1000);
  });
  // A person's htmx request (a click, a form) is activity on the server too.
  document.addEventListener("htmx:afterRequest", function (event) {
    var headers = (event.detail.requestConfig || {}).headers || {};
    if (headers["X-Kitclinic-Background"] !== "1") { lastActivity = Date.now(); }
  });
})();

(function () {
  function fillItems(line) {
    var entry = line.closest("[data-scale-entry]");
    var status = entry && entry.querySelector("[data-scale-paste-status]");
    if (!entry || !line.value.trim()) { return; }
    var inputs = entry.querySelectorAll("[data-scale-item]");
    var parts = line.value.replace(/;/g, ",").split(",").map(function (p) { return p.trim(); });
    if (parts.length !== inputs.length) {
      if (status) {
        status.textContent = parts.length + " answers pasted; this scale has " + inputs.length +
          " items (item 1 first, separated by commas).";
      }
      return;
    }
    inputs.forEach(function (input, i) { input.value = parts[i]; });
    line.value = "";
    if (status) {
      status.textContent = inputs.length + " answers filled in from the pasted list: check them.";
    }
  }
  document.addEventListener("paste", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-scale-paste]")) {
      setTimeout(function () { fillItems(target); }, 0);
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-scale-paste]")) { fillItems(target); }
  });
})();
