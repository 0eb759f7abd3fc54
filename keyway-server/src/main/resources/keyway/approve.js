// Read-only view of one proposal. The approval token is the URL fragment, which the browser never
// sends to the server; it is used as a Bearer token for GET /v1/proposals/{id}. Everything from the
// server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var out = document.getElementById("out");
  var id = decodeURIComponent(location.pathname.split("/").pop() || "");
  var token = location.hash.replace(/^#/, "");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function row(table, k, v) {
    var tr = el("tr");
    tr.appendChild(el("th", k));
    tr.appendChild(el("td", v === null || v === undefined || v === "" ? "-" : v));
    table.appendChild(tr);
  }
  function fail(msg) {
    out.textContent = "";
    out.appendChild(el("p", msg, "error"));
  }

  if (!token) { fail("This link has no approval token (the part after #). Open the full link you were given."); return; }

  fetch("/v1/proposals/" + encodeURIComponent(id), { headers: { "Authorization": "Bearer " + token } })
    .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok) { fail((res.body && res.body.detail) || "Could not load the proposal."); return; }
      var p = res.body;
      out.textContent = "";
      (p.warnings || []).forEach(function (w) { out.appendChild(el("div", "WARNING: " + w, "warning")); });
      if ((p.flags || []).length && !(p.warnings || []).length) {
        out.appendChild(el("div", "WARNING: " + p.flags.join(", "), "warning"));
      }
      var t = el("table");
      row(t, "Proposal", p.id);
      row(t, "Status", p.status);
      row(t, "Vault", p.vault);
      row(t, "Proposed by", p.created_by);
      row(t, "Created", p.created_at);
      row(t, "Expires", p.expires_at);
      row(t, "Reviewed by", p.reviewed_by);
      row(t, "Reason", p.reason);
      out.appendChild(t);
      out.appendChild(el("h2", "Why"));
      out.appendChild(el("p", p.message));
      if ((p.services || []).length) {
        out.appendChild(el("h2", "Services to add"));
        out.appendChild(el("pre", JSON.stringify(p.services, null, 2)));
      }
      if ((p.credentials || []).length) {
        out.appendChild(el("h2", "Credentials requested"));
        var ul = el("ul");
        p.credentials.forEach(function (c) {
          ul.appendChild(el("li", c.name + (c.description ? ": " + c.description : "") + (c.exists ? " (exists)" : "")));
        });
        out.appendChild(ul);
      }
      if (p.status === "pending") {
        out.appendChild(el("h2", "Decide"));
        out.appendChild(el("p", "This page is read-only. As a member of the vault, run:"));
        out.appendChild(el("pre", "keyway proposal approve " + p.id + "\nkeyway proposal reject " + p.id + " --reason '...'"));
      }
    })
    .catch(function () { fail("Could not reach Keyway."); });
})();
