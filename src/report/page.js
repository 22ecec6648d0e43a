// The stepper: walks the chain-rule multiplications of the embedded trace in sweep order.
// State is mirrored on <body> (data-step, data-formula) so tests can read it from the DOM, and
// each step is written to the aria-live region #announce. Keys: ← → Home End, unless the focus
// is in a text field.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var steps = data.steps;
  var body = document.body;
  var last = data.nodes.length ? data.nodes[data.nodes.length - 1] : null;
  var byId = function (id) { return document.getElementById(id); };
  var current = 0;

  // The same format as the Rust reports: 6 significant digits, trailing zeros dropped.
  function fmt(x) {
    x = Number(x);
    if (isNaN(x)) return "NaN";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    var m = Math.floor(Math.log10(Math.abs(x)));
    var trim = function (s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); };
    if (m >= -4 && m < 6) return trim(x.toFixed(5 - m));
    var parts = x.toExponential(5).split("e");
    return trim(parts[0]) + "e" + parts[1].replace("+", "");
  }

  function nameOf(id) {
    for (var i = 0; i < data.nodes.length; i++) if (data.nodes[i].id === id) return data.nodes[i].name;
    return "?";
  }

  function seedFormula() {
    return last ? "∂" + data.output + "/∂" + last.name + " = 1" : "";
  }

  function setClass(selector, cls, on) {
    var el = document.querySelector(selector);
    if (el) el.classList.toggle(cls, on);
  }

  function show(k) {
    k = Math.max(0, Math.min(steps.length, k | 0));
    current = k;
    document.querySelectorAll(".edge.done, .edge.current, .node.y, .node.u, li.current, tr.current")
      .forEach(function (el) { el.classList.remove("done", "current", "y", "u"); });
    var grads = {};
    if (last) grads[last.id] = 1;
    for (var i = 0; i < k; i++) {
      grads[steps[i].input] = steps[i].accumulated;
      setClass("#edge-" + steps[i].edge, "done", true);
    }
    data.nodes.forEach(function (n) {
      var t = byId("grad-" + n.id);
      if (t) t.textContent = n.id in grads ? "∂" + data.output + "/∂" + n.name + " = " + fmt(grads[n.id]) : "";
    });
    var formula = seedFormula(), local = "the seed: the output's gradient with respect to itself", where = "";
    if (k > 0) {
      var s = steps[k - 1];
      formula = s.formula;
      local = s.local_formula;
      where = "op " + s.op + (s.layer ? " in layer " + s.layer : "") + ": edge " +
        nameOf(s.input) + " → " + nameOf(s.node) +
        (String(s.accumulated) !== String(s.product) ? "; ∂" + data.output + "/∂" + nameOf(s.input) + " sums to " + fmt(s.accumulated) : "");
      setClass("#edge-" + s.edge, "done", false);
      setClass("#edge-" + s.edge, "current", true);
      setClass("#node-" + s.node, "y", true);
      setClass("#node-" + s.input, "u", true);
      setClass("#ghost-" + s.edge, "u", true); // a shared leaf drawn again beside this op
      setClass("#step-" + k, "current", true);
      document.querySelectorAll("tr[data-layer]").forEach(function (tr) {
        if (s.layer && tr.getAttribute("data-layer") === s.layer) tr.classList.add("current");
      });
      centre(s.node);
      follow(byId("step-" + k));
    }
    byId("formula").textContent = formula;
    byId("local").textContent = local;
    byId("where").textContent = where;
    byId("position").textContent = "step " + k + " of " + steps.length;
    // Read out by screen readers (aria-live): the step, its multiplication and where it is.
    byId("announce").textContent = "Step " + k + " of " + steps.length + ": " + formula +
      (k > 0 ? "; local derivative " + local : "") + (where ? "; " + where : "");
    byId("prev").disabled = k === 0;
    byId("next").disabled = k === steps.length;
    body.setAttribute("data-step", String(k));
    body.setAttribute("data-formula", formula);
    if (location.hash !== "#step=" + k) {
      try { history.replaceState(null, "", "#step=" + k); } catch (e) { /* file: URLs may refuse */ }
    }
  }

  // Scroll the graph (not the page) so the current op is in view.
  function centre(id) {
    var node = byId("node-" + id), box = document.querySelector(".graph-scroll");
    if (!node || !box || !node.getBBox) return;
    var b = node.getBBox();
    box.scrollLeft = Math.max(0, b.x + b.width / 2 - box.clientWidth / 2);
    box.scrollTop = Math.max(0, b.y + b.height / 2 - box.clientHeight / 2);
  }

  // Scroll the list of steps (not the page) so the current one is in view.
  function follow(li) {
    var list = li && li.parentNode;
    if (!list) return;
    var offset = li.getBoundingClientRect().top - list.getBoundingClientRect().top;
    list.scrollTop += offset - list.clientHeight / 2;
  }

  function fromHash() {
    var m = /^#step=(\d+)$/.exec(location.hash);
    return m ? parseInt(m[1], 10) : 0;
  }

  byId("prev").addEventListener("click", function () { show(current - 1); });
  byId("next").addEventListener("click", function () { show(current + 1); });
  document.querySelectorAll("ol.steps li").forEach(function (li, i) {
    li.addEventListener("click", function () { show(i + 1); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target && e.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    else if (e.key === "Home") { show(0); e.preventDefault(); }
    else if (e.key === "End") { show(steps.length); e.preventDefault(); }
  });
  window.addEventListener("hashchange", function () { show(fromHash()); });
  show(fromHash());
})();
