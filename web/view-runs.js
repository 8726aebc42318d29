/* view-runs.js - the runs in the DB: filter by kernel, arch, label; pick
 * runs to compare, one by one or by their labels (every run of each label:
 * repetitions, with verdicts). State: #/runs?kernel=K&arch=A&label=L&sel=1,2 */
'use strict';
var VLS = window.VLS || (window.VLS = {});
VLS.views = VLS.views || {};

VLS.views.runs = function (root, params) {
  var h = VLS.h, st = {
    kernel: params.get('kernel') || '', arch: params.get('arch') || '',
    label: params.get('label') || '', sel: VLS.ids(params.get('sel'))
  };
  return VLS.api('/api/runs').then(function (data) {
    var runs = data.runs;
    if (!runs.length) {
      root.appendChild(VLS.card('Runs', h('p.empty',
        'No runs yet: "vmlockstat import trace.dat" or "vmlockstat record" adds one.')));
      return;
    }
    var body = h('div'), compareBtn = h('a.button', { id: 'compare-btn' });
    var labelsBtn = h('a.button', { id: 'compare-labels-btn',
      title: 'every run of each selected run\'s label, as repetitions (intervals and verdicts)' });
    var save = function () { VLS.state.replace('runs', st); };
    var distinct = function (k) {
      return runs.map(function (r) { return r[k] || 'unknown'; })
        .filter(function (v, i, a) { return a.indexOf(v) === i; }).sort();
    };
    var select = function (key, title) {
      return h('label.filter', title, h('select', {
        id: 'filter-' + key,
        on: { change: function (e) { st[key] = e.target.value; save(); draw(); } }
      }, h('option', { value: '' }, 'all'), distinct(key).map(function (v) {
        return h('option', { value: v, selected: v === st[key] }, v);
      })));
    };
    var shown = function (r) {
      return (!st.kernel || (r.kernel || 'unknown') === st.kernel) &&
        (!st.arch || (r.arch || 'unknown') === st.arch) &&
        (!st.label || (r.label || '').toLowerCase().indexOf(st.label.toLowerCase()) >= 0);
    };
    var toggle = function (id, on) {
      st.sel = st.sel.filter(function (x) { return x !== id; });
      if (on) st.sel.push(id);
      save();
      updateBtn();
    };
    var updateBtn = function () {
      compareBtn.textContent = 'Compare selected (' + st.sel.length + ')';
      compareBtn.href = VLS.state.href('compare', { runs: st.sel });
      compareBtn.classList.toggle('disabled', st.sel.length < 2);
      /* the selected runs' labels, in the order they were picked */
      var labels = [];
      st.sel.forEach(function (id) {
        var r = runs.filter(function (x) { return x.id === id; })[0];
        if (r && r.label && r.label.indexOf(',') < 0 && labels.indexOf(r.label) < 0) labels.push(r.label);
      });
      labelsBtn.textContent = 'Compare labels (' + labels.length + ')';
      labelsBtn.href = VLS.state.href('compare', { labels: labels });
      labelsBtn.classList.toggle('disabled', labels.length < 2);
    };
    var cols = [
      { title: '', cell: function (r) {
        return h('input', { type: 'checkbox', checked: st.sel.indexOf(r.id) >= 0,
          'aria-label': 'compare run ' + r.id,
          on: { change: function (e) { toggle(r.id, e.target.checked); } } });
      } },
      { title: 'id', num: true, cell: function (r) { return r.id; } },
      { title: 'label', cell: function (r) {
        return h('a', { href: VLS.state.href('run', { id: r.id }) }, VLS.runName(r));
      } },
      { title: 'kernel', cell: function (r) { return r.kernel || VLS.fmt.dash; } },
      { title: 'arch', cell: function (r) { return r.arch || VLS.fmt.dash; } },
      { title: 'imported', help: 'date of the import (UTC)', cell: function (r) {
        return new Date(r.imported_at * 1000).toISOString().slice(0, 16).replace('T', ' ');
      } },
      { title: 'duration', num: true, help: 'first to last event of the trace',
        cell: function (r) { return VLS.fmt.ns(r.duration_ns); } },
      { title: 'format', cell: function (r) { return r.format; } },
      { title: 'events', num: true, cell: function (r) { return VLS.fmt.count(r.events); } },
      { title: 'lost', num: true, help: 'events the kernel dropped', cls: 'lost',
        cell: function (r) { return VLS.fmt.count(r.lost_events); } },
      { title: 'faults', num: true, cell: function (r) { return VLS.fmt.count(r.faults.total); } },
      { title: 'fallbacks', num: true, help: 'faults that fell back to mmap_lock',
        cell: function (r) { return VLS.fmt.count(r.faults.fallback); } },
      { title: 'rate (all)', num: true, help: 'fallbacks / all faults, kernel-mode included',
        cell: function (r) { return VLS.fmt.rate(r.faults.fallback_rate); } },
      { title: 'user-fault fallback rate', num: true, cls: 'rate',
        help: 'user faults that fell back / user faults: the per-VMA lock\'s own rate',
        cell: function (r) {
        var v = r.faults.user_fallback_rate;
        return h('span.ratebar', h('span.ratebar-fill', {
          style: null, dataset: { w: v === null ? 0 : Math.min(100, v * 100) } }),
          h('span.ratebar-text', VLS.fmt.rate(v)));
      } }
    ];
    var draw = function () {
      var rows = runs.filter(shown);
      body.textContent = '';
      body.appendChild(rows.length ? VLS.table(cols, rows, 'runs') :
        h('p.empty', 'No run matches these filters.'));
      body.querySelectorAll('.ratebar-fill').forEach(function (el) {
        el.style.width = el.dataset.w + '%';
      });
    };
    var filters = h('div.filters', select('kernel', 'kernel'), select('arch', 'arch'),
      h('label.filter', 'label', h('input', {
        id: 'filter-label', type: 'search', value: st.label, placeholder: 'contains\u2026',
        on: { input: function (e) { st.label = e.target.value; save(); draw(); } }
      })), h('span.spacer'), labelsBtn, compareBtn);
    root.appendChild(VLS.card('Runs', h('div', filters, body),
      h('span.muted', runs.length + ' runs')));
    updateBtn();
    draw();
  });
};
