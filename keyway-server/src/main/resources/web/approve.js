// The page behind a proposal's approval link (/approve/<id>#<approval token>). The token is in the
// URL fragment, which browsers never send to a server; this script reads it, removes it from the
// address bar, and uses it once as a Bearer token to fetch the read-only proposal. Approving needs
// a signed-in member of the vault: the button leads to the console's review page. Everything from
// the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var out = document.getElementById("proposal");
  var id = out.getAttribute("data-id");
  var token = location.hash.replace(/^#/, "");
  if (token && window.history && history.replaceState) {
    history.replaceState(null, "", location.pathname + location.search);
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fact(dl, k, v) {
    if (v === undefined || v === null || v === "") { return; }
    dl.appendChild(el("dt", k));
    dl.appendChild(el("dd", v));
  }
  function fail(msg) {
    out.textContent = "";
    out.appendChild(el("p", msg, "notice error"));
  }
  function inject(i) {
    if (typeof i === "string") { return i; }
    var k = Object.keys(i || {})[0];
    return k ? k + " " + JSON.stringify(i[k]) : "";
  }

  if (!token) { fail("This link has no approval token (the part after #). Open the complete link from the notification."); return; }

  fetch("/v1/proposals/" + encodeURIComponent(id), { headers: { "Authorization": "Bearer " + token }, credentials: "omit" })
    .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok) { fail((res.body && res.body.detail) || "Could not load the proposal."); return; }
      var p = res.body;
      out.textContent = "";
      var newHost = (p.flags || []).indexOf("existing-credential-new-host") >= 0;
      var loudShown = false;
      (p.warnings || []).forEach(function (w) {
        var loud = newHost && String(w).indexOf("existing credential") >= 0;
        loudShown = loudShown || loud;
        out.appendChild(el("div", (loud ? "⚠ Existing credential routed to a new host: " : "⚠ ") + w, loud ? "flag-new-host" : "notice warn"));
      });
      if (newHost && !loudShown) { out.appendChild(el("div", "⚠ Existing credential routed to a new host.", "flag-new-host")); }
      var dl = el("dl", null, "facts");
      fact(dl, "Status", p.status);
      fact(dl, "Vault", p.vault);
      fact(dl, "Proposed by", p.created_by);
      fact(dl, "Created", p.created_at);
      fact(dl, "Expires", p.expires_at);
      fact(dl, "Reviewed by", p.reviewed_by);
      fact(dl, "Reason", p.reason);
      out.appendChild(dl);
      out.appendChild(el("h2", "Why the agent asks"));
      out.appendChild(el("p", p.message || "(no message)"));
      if ((p.services || []).length) {
        out.appendChild(el("h2", "Services to add or change"));
        var ul = el("ul");
        p.services.forEach(function (s) {
          var li = el("li");
          li.appendChild(el("code", s.name));
          li.appendChild(document.createTextNode(" → " + s.host + " · " + (s.methods && s.methods.length ? s.methods.join(" ") : "any method")
            + " · " + (s.paths && s.paths.length ? s.paths.join(" ") : "any path") + " · " + inject(s.inject)));
          ul.appendChild(li);
        });
        out.appendChild(ul);
      }
      if ((p.credentials || []).length) {
        out.appendChild(el("h2", "Credentials requested"));
        var cl = el("ul");
        p.credentials.forEach(function (c) {
          cl.appendChild(el("li", c.name + (c.description ? " — " + c.description : "") + (c.exists ? " (already set)" : " (needs a value)")));
        });
        out.appendChild(cl);
      }
      if (p.status === "pending") {
        var a = el("a", "Sign in to review and approve", "button-link");
        a.href = "/proposals/" + encodeURIComponent(p.id);
        var para = el("p");
        para.appendChild(a);
        out.appendChild(para);
        out.appendChild(el("p", "This link only lets you look. Approving or rejecting needs a member of the vault signed in to the console.", "hint"));
      }
    })
    .catch(function () { fail("Could not reach Keyway."); });
})();
