/* util.js - formatting, DOM building, fetching and URL state for the
 * vmlockstat dashboard. Every figure comes from /api/ (docs/report-json.md):
 * times are integer ns, rates 0..1, null means "the trace cannot say". */
'use strict';
var VLS = window.VLS || (window.VLS = {});

/* The fallback reasons: they add up to the fallbacks (faults.nested, no
 * fallback, is shown apart). lib/faults-reason.h is the source. */
VLS.REASONS = ['io_retry', 'no_io', 'kernel_mode', 'no_vma_lock'];
VLS.REASON_TITLES = {
  io_retry: 'I/O retry', no_io: 'no I/O', kernel_mode: 'kernel mode',
  no_vma_lock: 'no VMA lock'
};
VLS.REASON_COLORS = {
  io_retry: '#d1495b', no_io: '#edae49', kernel_mode: '#00798c',
  no_vma_lock: '#6c757d'
};
/* One color per run in overlays (distinguishable, colorblind-safe order). */
VLS.RUN_COLORS = ['#3b6fb6', '#e07b39', '#2a9d8f', '#c44569', '#7d5ba6',
  '#8a6d3b', '#4f9d2d', '#d4a017'];

VLS.fmt = {
  dash: '\u2013',
  count: function (v) {
    if (v === null || v === undefined) return VLS.fmt.dash;
    return Math.round(v).toLocaleString('en-US');
  },
  ns: function (v) {
    if (v === null || v === undefined) return VLS.fmt.dash;
    var a = Math.abs(v), units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'us']];
    for (var i = 0; i < units.length; i++)
      if (a >= units[i][0]) return VLS.fmt.sig(v / units[i][0]) + ' ' + units[i][1];
    return Math.round(v) + ' ns';
  },
  /* three significant digits: 11.6, 196, 4.72 */
  sig: function (x) {
    var a = Math.abs(x);
    return x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
  },
  rate: function (v) {
    if (v === null || v === undefined) return VLS.fmt.dash;
    return (v * 100).toFixed(1) + '%';
  },
  pct: function (v) {
    if (v === null || v === undefined) return VLS.fmt.dash;
    return (v > 0 ? '+' : v < 0 ? '\u2212' : '') + Math.abs(v).toFixed(1) + '%';
  },
  /* A value in its unit ("count", "ns", "rate"). */
  unit: function (v, unit) {
    if (unit === 'ns') return VLS.fmt.ns(v);
    if (unit === 'rate') return VLS.fmt.rate(v);
    return VLS.fmt.count(v);
  },
  /* A change in its unit: rates in percentage points. */
  delta: function (v, unit) {
    if (v === null || v === undefined) return VLS.fmt.dash;
    var sign = v > 0 ? '+' : v < 0 ? '\u2212' : '\u00b1';
    if (unit === 'rate') return sign + Math.abs(v * 100).toFixed(1) + ' pp';
    return sign + VLS.fmt.unit(Math.abs(v), unit);
  }
};

/* h('td.num', {title: 'x'}, child, 'text', ...): an element. */
VLS.h = function (tag, attrs) {
  var parts = tag.split('.'), el = document.createElement(parts[0] || 'div');
  if (parts.length > 1) el.className = parts.slice(1).join(' ');
  var kids = Array.prototype.slice.call(arguments, 2);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  if (attrs)
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'on') Object.keys(v).forEach(function (e) { el.addEventListener(e, v[e]); });
      else if (k === 'dataset') Object.keys(v).forEach(function (d) { el.dataset[d] = v[d]; });
      else if (k in el && k !== 'list' && typeof v !== 'string') el[k] = v;
      else el.setAttribute(k, v === true ? '' : v);
    });
  VLS.append(el, kids);
  return el;
};

VLS.append = function (el, kids) {
  kids.forEach(function (k) {
    if (k === null || k === undefined || k === false) return;
    if (Array.isArray(k)) VLS.append(el, k);
    else el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
  });
  return el;
};

/* A table: cols = [{title, num, cell(row) -> node/text, cls}]. */
VLS.table = function (cols, rows, cls) {
  return VLS.h('table' + (cls ? '.' + cls : ''),
    VLS.h('thead', VLS.h('tr', cols.map(function (c) {
      return VLS.h('th' + (c.num ? '.num' : ''), { title: c.help || null }, c.title);
    }))),
    VLS.h('tbody', rows.map(function (r) {
      return VLS.h('tr', cols.map(function (c) {
        return VLS.h('td' + (c.num ? '.num' : '') + (c.cls ? '.' + c.cls : ''),
          c.cell(r));
      }));
    })));
};

/* GET /api/...: the parsed JSON, or a rejection with the server's error. */
VLS.api = function (path) {
  return fetch(path, { headers: { Accept: 'application/json' } }).then(function (res) {
    return res.json().catch(function () { return {}; }).then(function (body) {
      if (!res.ok) throw new Error(body.error || ('HTTP ' + res.status));
      return body;
    });
  });
};

/* URL state: "#/VIEW?k=v&...". */
VLS.state = {
  parse: function () {
    var h = location.hash.replace(/^#\/?/, ''), q = h.indexOf('?');
    var view = (q < 0 ? h : h.slice(0, q)) || 'runs';
    var params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
    return { view: view, params: params };
  },
  href: function (view, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== '') q.set(k, Array.isArray(v) ? v.join(',') : v);
    });
    var s = q.toString().replace(/%2C/g, ',');
    return '#/' + view + (s ? '?' + s : '');
  },
  /* Record a view's state without reloading it. */
  replace: function (view, params) {
    history.replaceState(null, '', VLS.state.href(view, params));
  }
};

/* "1,2,3" from the URL: positive integers only, at most 16. */
VLS.ids = function (s) {
  return (s || '').split(',').filter(function (x) { return /^[1-9][0-9]{0,15}$/.test(x); })
    .map(Number).slice(0, 16);
};

VLS.runName = function (run) {
  return run.label || ('run ' + run.id);
};

VLS.runSub = function (run) {
  return [run.kernel || 'unknown kernel', run.arch || 'unknown arch'].join(' \u00b7 ');
};

VLS.card = function (title, body, extra) {
  return VLS.h('section.card', VLS.h('div.card-head', VLS.h('h2', title), extra || null), body);
};

VLS.error = function (msg) {
  return VLS.h('div.error', { role: 'alert' }, msg);
};
