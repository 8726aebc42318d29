/* app.js - the router: the URL hash names the view and its state, so a
 * link reproduces what is on screen. Loaded last. */
'use strict';
(function () {
  var VLS = window.VLS, main = document.getElementById('view');
  var seq = 0, problems = [];

  /* What the page did, for a test to read in the DOM: the hosts it loaded
   * anything from, and any load error or refused (CSP) request. */
  window.addEventListener('error', function (e) {
    problems.push(e.message || ('load ' + (e.target && (e.target.src || e.target.href))));
  }, true);
  document.addEventListener('securitypolicyviolation', function (e) {
    problems.push('refused ' + e.blockedURI);
  });
  function audit() {
    var hosts = [location.host];
    performance.getEntriesByType('resource').forEach(function (r) {
      var host = new URL(r.name, location.href).host;
      if (hosts.indexOf(host) < 0) hosts.push(host);
    });
    document.body.dataset.hosts = hosts.join(' ');
    document.body.dataset.problems = problems.join(' | ');
  }

  function nav(view) {
    document.querySelectorAll('nav a').forEach(function (a) {
      a.classList.toggle('active', a.dataset.view === view);
    });
  }

  function render() {
    var s = VLS.state.parse(), fn = VLS.views[s.view], my = ++seq;
    VLS.charts.reset();
    main.textContent = '';
    main.setAttribute('aria-busy', 'true');
    document.body.dataset.view = s.view;
    document.body.dataset.state = 'loading';
    nav(s.view);
    if (!fn) {
      main.appendChild(VLS.error('No view "' + s.view + '".'));
      document.body.dataset.state = 'error';
      return;
    }
    var done = function (state) {
      if (my !== seq) return;
      main.removeAttribute('aria-busy');
      audit();
      document.body.dataset.state = state;
    };
    fn(main, s.params).then(function () { done('ready'); }, function (e) {
      if (my !== seq) return;
      main.appendChild(VLS.error(e.message));
      done('error');
    });
  }

  window.addEventListener('hashchange', render);
  render();
})();
