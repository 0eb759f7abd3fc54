// Keyway web console: progressive enhancement only. Every page works without this script; it adds
// confirmations, copy buttons, validate-as-you-type and the live traffic feed. Data from the server
// is always inserted with textContent, never as HTML; the approvals list is refreshed with nodes of
// the same server-rendered (escaped) page, parsed inert by DOMParser, never with a string.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function csrfOf(form) { var i = form.querySelector("input[name=csrf]"); return i ? i.value : ""; }

  // Confirmation for destructive buttons.
  $$("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  // Typed confirmation: the submit button stays disabled until the expected text is typed.
  $$("form[data-typed-confirm]").forEach(function (f) {
    var expected = f.getAttribute("data-typed-confirm");
    var input = f.querySelector("input[name=confirm]");
    var button = f.querySelector("button[type=submit]");
    function sync() { button.disabled = input.value.trim() !== expected; }
    input.addEventListener("input", sync);
    sync();
  });

  // Copy buttons.
  $$("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var src = $(b.getAttribute("data-copy"));
      var done = b.parentNode.querySelector(".copied");
      var text = src.textContent;
      function shown(msg) { if (done) { done.textContent = msg; done.hidden = false; } }
      function fallback() {
        var range = document.createRange();
        range.selectNodeContents(src);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        shown(ok ? "Copied to the clipboard." : "Selected: press Ctrl+C (⌘C) to copy.");
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { shown("Copied to the clipboard."); }, fallback);
      } else {
        fallback();
      }
    });
  });

  // Service form: show the inputs of the chosen injection kind; validate as you type.
  $$("form.service-form").forEach(function (f) {
    var kind = f.querySelector("select[name=kind]");
    function showKind() {
      $$(".kind", f).forEach(function (d) { d.hidden = !d.classList.contains("kind-" + kind.value); });
    }
    kind.addEventListener("change", showKind);
    showKind();

    var url = f.getAttribute("data-validate");
    var touched = {};
    var timer = null;
    function clearErrors() {
      $$("[data-error-for]", f).forEach(function (p) { p.hidden = true; p.textContent = ""; });
      $$(".field.has-error", f).forEach(function (d) { d.classList.remove("has-error"); });
    }
    function validate() {
      var body = new URLSearchParams(new FormData(f));
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRF-Token": csrfOf(f) } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (res) {
          if (!res) { return; }
          clearErrors();
          if (res.ok || !touched[res.field]) { return; }
          var p = f.querySelector("[data-error-for='" + res.field + "']");
          if (!p) { return; }
          p.textContent = res.detail;
          p.hidden = false;
          var box = p.closest(".field");
          if (box) { box.classList.add("has-error"); }
        })
        .catch(function () { /* offline: the server validates on submit anyway */ });
    }
    f.addEventListener("input", function (ev) {
      var box = ev.target.closest("[data-field]");
      if (box) { touched[box.getAttribute("data-field")] = true; }
      if (ev.target.name === "kind") { touched.credential = false; }
      clearTimeout(timer);
      timer = setTimeout(validate, 250);
    });
  });

  // Live traffic: rows arrive over Server-Sent Events; clicking a row opens the detail drawer.
  var traffic = $("#traffic");
  if (traffic) {
    var tbody = traffic.querySelector("tbody");
    var drawer = $("#drawer");
    var live = $("#live");
    var fields = [["time", "Time"], ["type", "Kind"], ["actor", "Agent / token"], ["vault", "Vault"], ["method", "Method"],
      ["host", "Host"], ["port", "Port"], ["path", "Path"], ["service", "Matched service"], ["injected", "Credential injected"],
      ["credentials", "Credentials used (names)"], ["status", "Status"], ["error_type", "Error type"], ["duration_ms", "Latency (ms)"],
      ["mode", "Mode"], ["bytes_in", "Bytes in"], ["bytes_out", "Bytes out"], ["request_id", "Request id"], ["seq", "Audit seq"]];

    function openDrawer(rec) {
      var dl = $("#drawer-facts");
      dl.textContent = "";
      fields.forEach(function (f) {
        var v = rec[f[0]];
        if (v === undefined || v === null || v === "") { return; }
        dl.appendChild(el("dt", f[1]));
        if (f[0] === "time") { v = String(v).replace("T", " ").replace(/\.\d+Z$/, "Z"); }
        dl.appendChild(el("dd", Array.isArray(v) ? v.join(", ") : String(v)));
      });
      drawer.hidden = false;
    }
    $("#drawer-close").addEventListener("click", function () { drawer.hidden = true; });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { drawer.hidden = true; } });
    tbody.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-record]");
      if (tr) { ev.preventDefault(); openDrawer(JSON.parse(tr.getAttribute("data-record"))); }
    });

    function cell(text, cls) { return el("td", text, cls); }
    function row(rec) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-record", JSON.stringify(rec));
      tr.setAttribute("data-seq", rec.seq);
      var t = rec.time || rec.ts || "";
      tr.appendChild(cell(t.replace("T", " ").substring(0, 19)));
      tr.appendChild(cell(rec.actor || ""));
      tr.appendChild(cell(rec.method || (rec.type === "connect" ? "CONNECT" : "")));
      var port = rec.port && rec.port !== 443 && rec.port !== 80 ? ":" + rec.port : "";
      tr.appendChild(cell((rec.host || "") + port));
      tr.appendChild(cell(rec.path || ""));
      tr.appendChild(cell(rec.service || "—"));
      var st = rec.status ? String(rec.status) : "";
      tr.appendChild(cell(st, st ? "status-" + st.charAt(0) : ""));
      tr.appendChild(cell(rec.error_type || ""));
      tr.appendChild(cell(rec.duration_ms !== undefined ? rec.duration_ms + " ms" : ""));
      return tr;
    }

    var src = traffic.getAttribute("data-stream");
    if (window.EventSource && src) {
      var es = new EventSource(src);
      es.addEventListener("open", function () { live.classList.add("on"); live.textContent = "live"; });
      es.addEventListener("error", function () { live.classList.remove("on"); live.textContent = "reconnecting…"; });
      es.addEventListener("traffic", function (ev) {
        var rec = JSON.parse(ev.data);
        if (tbody.querySelector("tr[data-seq='" + rec.seq + "']")) { return; }
        var empty = $("#traffic-empty");
        if (empty) { empty.remove(); }
        var tr = row(rec);
        tr.className = "fresh";
        tbody.insertBefore(tr, tbody.firstChild);
        while (tbody.rows.length > 500) { tbody.deleteRow(tbody.rows.length - 1); }
      });
    }
  }

  // Approvals: newly held requests appear, and requests decided elsewhere go, without a reload. The
  // page itself is re-read (same session, same rendering); a row whose form has the focus is kept.
  var held = $("#approvals-live");
  if (held && window.fetch && window.DOMParser) {
    var pollUrl = held.getAttribute("data-poll");
    window.setInterval(function () {
      fetch(pollUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (!text) { return; }
          var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("#approvals-live");
          if (!fresh) { return; }
          var tbody = $("tbody", held);
          var freshBody = $("tbody", fresh);
          if (!tbody || !freshBody) {
            if (!held.contains(document.activeElement) && !held.isEqualNode(fresh)) {
              held.replaceChildren.apply(held, Array.prototype.map.call(fresh.childNodes, function (n) {
                return document.importNode(n, true);
              }));
            }
            return;
          }
          var have = {};
          $$("tr[data-approval]", tbody).forEach(function (tr) { have[tr.getAttribute("data-approval")] = tr; });
          var keep = {};
          $$("tr[data-approval]", freshBody).reverse().forEach(function (tr) {
            var id = tr.getAttribute("data-approval");
            keep[id] = true;
            if (!have[id]) { tbody.insertBefore(document.importNode(tr, true), tbody.firstChild); }
          });
          Object.keys(have).forEach(function (id) {
            if (!keep[id] && !have[id].contains(document.activeElement)) { have[id].remove(); }
          });
        })
        .catch(function () { /* offline: the next turn tries again */ });
    }, 1000);
  }
})();
