// Written by 'keyway run' and loaded with NODE_OPTIONS=--require: routes Node.js 18-23 through the
// Keyway proxy, which those versions do not do by themselves (NODE_USE_ENV_PROXY needs Node.js 24).
// Covers the http and https modules' default agents and the global fetch (undici's global
// dispatcher). HTTPS goes through a CONNECT tunnel; plain http:// requests go to the proxy in
// absolute form. Hosts in NO_PROXY are dialled directly. Trust comes from NODE_EXTRA_CA_CERTS.
'use strict';
(function keywayPreload() {
  const MARK = Symbol.for('keyway.node-preload');
  if (globalThis[MARK]) return;
  globalThis[MARK] = true;
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24 && process.env.NODE_USE_ENV_PROXY === '1') return; // Node.js does it itself
  const raw = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  if (!raw) return;
  const net = require('net');
  const tls = require('tls');
  const http = require('http');
  const https = require('https');
  let proxy;
  try {
    proxy = new URL(raw);
  } catch (e) {
    process.emitWarning('keyway: HTTPS_PROXY is not a URL; Node.js traffic does not go through Keyway');
    return;
  }
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = Number(proxy.port) || 80;
  const auth = proxy.username
    ? 'Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64')
    : null;
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

  function bypass(host) {
    const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
    return noProxy.some((e) => {
      if (e === '*') return true;
      const d = e.replace(/^\*?\./, '').replace(/:\d+$/, '');
      return h === d || h.endsWith('.' + d);
    });
  }

  function hostPort(host, port) {
    const h = String(host).replace(/^\[|\]$/g, '');
    return (h.includes(':') ? '[' + h + ']' : h) + ':' + port;
  }

  /** Opens a CONNECT tunnel to host:port through Keyway; the proxy's refusal becomes the error. */
  function tunnel(host, port, callback) {
    const target = hostPort(host, port);
    const headers = { host: target };
    if (auth) headers['proxy-authorization'] = auth;
    const req = http.request({ host: proxyHost, port: proxyPort, method: 'CONNECT', path: target, headers, agent: false });
    let done = false;
    const finish = (err, socket) => {
      if (!done) {
        done = true;
        callback(err, socket);
      }
    };
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const kind = res.headers['keyway-error'] ? ' (' + res.headers['keyway-error'] + ')' : '';
        finish(new Error('Keyway proxy refused CONNECT ' + target + ': ' + res.statusCode + ' ' + (res.statusMessage || '') + kind));
        return;
      }
      if (head && head.length) socket.unshift(head);
      finish(null, socket);
    });
    req.once('error', (e) => finish(e));
    req.end();
  }

  /** https module: every connection is a CONNECT tunnel, then TLS to the real host (verified). */
  class KeywayHttpsAgent extends https.Agent {
    createConnection(options, callback) {
      const host = options.host || options.hostname || 'localhost';
      const port = options.port || 443;
      if (bypass(host) || options.socket || options.createConnection) return super.createConnection(options, callback);
      tunnel(host, port, (err, socket) => {
        if (err) return callback(err);
        const o = Object.assign({}, options, { socket });
        delete o.path;
        if (!o.servername && !net.isIP(host)) o.servername = host;
        let secure;
        try {
          secure = tls.connect(o);
        } catch (e) {
          socket.destroy();
          return callback(e);
        }
        callback(null, secure);
      });
      return undefined;
    }
  }

  /** http module: plain requests go to the proxy in absolute form with the proxy credentials. */
  class KeywayHttpAgent extends http.Agent {
    addRequest(req, options) {
      const host = options.host || options.hostname || 'localhost';
      const port = options.port || 80;
      const toProxy = String(host).replace(/^\[|\]$/g, '') === proxyHost && Number(port) === proxyPort;
      // a CONNECT or an absolute-form request the program sends to a proxy itself is left alone
      if (req.method !== 'CONNECT' && !toProxy && !bypass(host) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(req.path)) {
        req.path = 'http://' + hostPort(host, port) + req.path;
        if (auth && !req.getHeader('proxy-authorization')) req.setHeader('proxy-authorization', auth);
        options = Object.assign({}, options, { host: proxyHost, hostname: proxyHost, port: proxyPort });
      }
      return super.addRequest(req, options);
    }
  }

  const keepAlive = { keepAlive: true };
  https.globalAgent = new KeywayHttpsAgent(keepAlive);
  http.globalAgent = new KeywayHttpAgent(keepAlive);

  // fetch: undici keeps its global dispatcher under this symbol; loading fetch creates an Agent,
  // whose class we reuse with a connector that tunnels through Keyway.
  if (typeof globalThis.fetch === 'function') {
    const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
    try {
      globalThis.fetch('data:,').catch(() => {});
    } catch (e) {
      // fetch disabled (--no-experimental-fetch): nothing to route
    }
    const current = globalThis[DISPATCHER];
    const Agent = current && current.constructor;
    if (Agent && Agent.name !== 'Agent') {
      // a dispatcher someone already chose (e.g. Node.js's own EnvHttpProxyAgent): it is kept
    } else if (typeof Agent === 'function' && typeof current.dispatch === 'function') {
      globalThis[DISPATCHER] = new Agent({
        connect(opts, done) {
          let called = false;
          const callback = (err, socket) => {
            if (!called) {
              called = true;
              done(err, socket);
            }
          };
          const secure = opts.protocol === 'https:';
          const host = opts.hostname || opts.host;
          const port = Number(opts.port) || (secure ? 443 : 80);
          const direct = bypass(host);
          const wrap = (socket) => {
            if (!secure) return callback(null, socket);
            const o = { socket, servername: opts.servername || (net.isIP(host) ? undefined : host), ALPNProtocols: ['http/1.1'] };
            if (direct) {
              delete o.socket;
              o.host = host;
              o.port = port;
            }
            const s = tls.connect(o);
            s.once('secureConnect', () => callback(null, s));
            s.once('error', (e) => callback(e));
          };
          if (direct) {
            if (secure) return wrap(null);
            const s = net.connect({ host, port });
            s.once('connect', () => callback(null, s));
            s.once('error', (e) => callback(e));
            return;
          }
          tunnel(host, port, (err, socket) => (err ? callback(err) : wrap(socket)));
        },
      });
    } else {
      process.emitWarning('keyway: cannot route fetch() through Keyway in Node.js ' + process.versions.node
        + ' (no undici dispatcher); use the https module or Node.js 24+');
    }
  }
})();
