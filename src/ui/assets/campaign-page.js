// The campaign page's client: draws totals, the authority table and the
// detail drawer from the JSON API, and polls it while the page is visible.
// Every value from the server goes into the page as text (textContent),
// never as HTML.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('page-config').textContent);
  var picker = document.getElementById('campaign');
  if (picker) picker.addEventListener('change', function () { picker.form.submit(); });
  if (!config.campaignId) return;

  var base = '/api/campaigns/' + encodeURIComponent(config.campaignId);
  var canChange = config.role === 'operator';
  var params = new URLSearchParams(location.search);
  var state = { status: params.get('status') || 'all', q: params.get('q') || '', offset: 0, limit: 200, open: params.get('authority') || null };

  var STATUS_TEXT = {
    'sent': '✓ sent', 'queued': '• queued', 'sending': '↻ sending',
    'temporary-failure': '! temporary failure', 'permanent-failure': '✕ permanent failure', 'not-queued': '– not queued',
  };
  var SHORT = { 'sent': '✓', 'queued': '•', 'sending': '↻', 'temporary-failure': '!', 'permanent-failure': '✕', 'not-queued': '–' };
  var KIND = {
    'county-council': 'County council', 'district-council': 'District council', 'metropolitan-borough': 'Metropolitan borough',
    'unitary-authority': 'Unitary authority', 'london-borough': 'London borough', 'combined-authority': 'Combined authority',
    'fire-and-rescue': 'Fire and rescue', 'national-park': 'National park', 'other': 'Other',
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function recipientLabel(key) {
    if (key === 'ceo') return 'Chief executive';
    if (key === 'head') return 'Political head';
    var m = /^mo-(\d+)$/.exec(key);
    return m ? 'Monitoring officer ' + m[1] : key;
  }
  function shortLabel(key) {
    if (key === 'ceo') return 'CEO';
    if (key === 'head') return 'Head';
    var m = /^mo-(\d+)$/.exec(key);
    return m ? 'MO ' + m[1] : key;
  }
  function time(ms) {
    return ms ? new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
  }
  function number(n) { return Number(n).toLocaleString('en-GB'); }

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (options.method && options.method !== 'GET') headers['X-CSRF-Token'] = config.csrfToken;
    return fetch(path, { method: options.method || 'GET', headers: headers, credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); throw new Error('signed out'); }
      return res.json().then(function (body) {
        if (!res.ok) { var e = new Error(body && body.message ? body.message : 'HTTP ' + res.status); e.status = res.status; throw e; }
        return body;
      });
    });
  }

  var toastTimer;
  document.getElementById('toast').addEventListener('click', function () { this.hidden = true; });
  function toast(message, isError) {
    var t = document.getElementById('toast');
    t.textContent = message;
    t.className = 'toast' + (isError ? ' error' : '');
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 5000);
  }

  // ---- totals --------------------------------------------------------------
  function card(kind, label, value, note) {
    return el('div', { className: 'card ' + kind, 'data-total': kind }, [
      el('div', { className: 'label', text: label }),
      el('div', { className: 'value', text: number(value) }),
      note ? el('div', { className: 'note', text: note }) : null,
    ]);
  }
  function drawSummary(s) {
    var t = s.totals;
    var box = document.getElementById('totals');
    box.replaceChildren(
      card('k-auth', 'Authorities', t.authorities),
      card('k-deliv', 'Deliveries', t.deliveries),
      card('k-sent', 'Sent', t.sent, t.deliveries ? Math.floor((100 * t.sent) / t.deliveries) + '% of deliveries' : ''),
      // Job counts are the whole letters queue's (every campaign in it), not this campaign's alone.
      card('k-pending', 'Pending', t.pending, 'letters queue: ' + s.jobs.active + ' jobs running, ' + (s.jobs.waiting + s.jobs.delayed + s.jobs.prioritized) + ' waiting'),
      card('k-temp', 'Temporary failures', t.temporaryFailures, 'retried while attempts remain'),
      card('k-perm', 'Permanent failures', t.permanentFailures, 'need an operator'),
    );
    var total = t.deliveries || 1;
    var bar = document.getElementById('progress');
    bar.querySelector('.p-sent').style.width = (100 * t.sent) / total + '%';
    bar.querySelector('.p-temp').style.width = (100 * t.temporaryFailures) / total + '%';
    bar.querySelector('.p-perm').style.width = (100 * t.permanentFailures) / total + '%';
    var live = document.getElementById('live');
    live.className = 'live ' + (s.running ? 'running' : 'idle');
    live.textContent = (s.running ? 'run in progress' : 'idle') + ' · updated ' + new Date().toLocaleTimeString('en-GB');
  }

  // ---- authority table -----------------------------------------------------
  function chip(d) {
    return el('span', {
      className: 'chip s-' + d.status, 'data-recipient': d.recipient, 'data-status': d.status,
      title: recipientLabel(d.recipient) + ': ' + STATUS_TEXT[d.status].slice(2) + (d.attempts ? ' (' + d.attempts + ' attempt' + (d.attempts === 1 ? '' : 's') + ')' : ''),
    }, [SHORT[d.status] + ' ' + shortLabel(d.recipient) + ' · ' + STATUS_TEXT[d.status].slice(2)]);
  }
  function drawRows(page) {
    var body = document.getElementById('rows');
    if (page.rows.length === 0) {
      body.replaceChildren(el('tr', null, [el('td', { colspan: '3', className: 'empty', text: page.total === 0 ? 'No authorities in this campaign.' : 'No authority matches.' })]));
    } else {
      body.replaceChildren.apply(body, page.rows.map(function (row) {
        var tr = el('tr', { className: 'row' + (row.id === state.open ? ' open' : ''), 'data-authority-id': row.id, tabindex: '0' }, [
          el('td', { className: 'name' }, [row.name, el('span', { className: 'id', text: row.id })]),
          el('td', { className: 'kind', text: KIND[row.kind] || row.kind }),
          el('td', null, [el('div', { className: 'cells' }, row.deliveries.map(chip))]),
        ]);
        tr.addEventListener('click', function () { openDetail(row.id); });
        tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') openDetail(row.id); });
        return tr;
      }));
    }
    var pager = document.getElementById('pager');
    var from = page.matched === 0 ? 0 : page.offset + 1;
    var to = Math.min(page.offset + page.rows.length, page.matched);
    var prev = el('button', { className: 'btn', type: 'button', text: '‹ Previous' });
    var next = el('button', { className: 'btn', type: 'button', text: 'Next ›' });
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + page.limit >= page.matched;
    prev.addEventListener('click', function () { state.offset = Math.max(0, state.offset - state.limit); refreshRows(); });
    next.addEventListener('click', function () { state.offset += state.limit; refreshRows(); });
    pager.replaceChildren(
      el('span', { text: 'Showing ' + number(from) + '–' + number(to) + ' of ' + number(page.matched) + (page.matched !== page.total ? ' matching (' + number(page.total) + ' in all)' : ' authorities') }),
      prev, next,
    );
  }
  function rowsQuery() {
    var q = new URLSearchParams({ status: state.status, offset: String(state.offset), limit: String(state.limit) });
    if (state.q) q.set('q', state.q);
    return q.toString();
  }
  function refreshRows() {
    return api(base + '/authorities?' + rowsQuery()).then(drawRows);
  }
  function rememberInUrl() {
    var q = new URLSearchParams({ campaign: config.campaignId });
    if (state.status !== 'all') q.set('status', state.status);
    if (state.q) q.set('q', state.q);
    if (state.open) q.set('authority', state.open);
    history.replaceState(null, '', '/?' + q.toString());
  }

  // ---- detail drawer -------------------------------------------------------
  var shownLetter = null;
  function openDetail(id) {
    if (state.open !== id) document.getElementById('detail').replaceChildren();
    state.open = id;
    shownLetter = null;
    rememberInUrl();
    document.querySelectorAll('tr.row').forEach(function (tr) { tr.classList.toggle('open', tr.getAttribute('data-authority-id') === id); });
    return refreshDetail();
  }
  function closeDetail() {
    state.open = null;
    shownLetter = null;
    var drawer = document.getElementById('detail');
    drawer.hidden = true;
    drawer.replaceChildren();
    document.getElementById('backdrop').hidden = true;
    document.querySelectorAll('tr.row.open').forEach(function (tr) { tr.classList.remove('open'); });
    rememberInUrl();
  }
  function refreshDetail() {
    if (!state.open) return Promise.resolve();
    var id = state.open;
    return api(base + '/authorities/' + encodeURIComponent(id)).then(function (d) { if (state.open === id) drawDetail(d); });
  }
  function retry(path, what) {
    return api(path, { method: 'POST' }).then(function (outcome) {
      toast(outcome.message);
      return Promise.all([refreshDetail(), refreshRows(), refreshSummary()]);
    }, function (error) { toast(what + ' not retried: ' + error.message, true); });
  }
  function drawDetail(d) {
    var drawer = document.getElementById('detail');
    var close = el('button', { className: 'close', type: 'button', 'aria-label': 'Close', text: '×' });
    close.addEventListener('click', closeDetail);
    var parts = [el('div', { className: 'd-head' }, [el('h3', null, [d.name, el('span', { className: 'sub', text: (KIND[d.kind] || d.kind) + ' · ' + d.id })]), close])];

    if (d.job) {
      var job = el('div', { className: 'job', 'data-job-state': d.job.state }, [
        el('strong', { text: 'Letter job' }),
        el('span', { className: 'badge j-' + d.job.state, text: d.job.state }),
        el('span', { text: 'attempt ' + d.job.attemptsMade + ' of ' + d.job.attempts }),
        d.job.finishedOn ? el('span', { className: 'note', text: 'finished ' + time(d.job.finishedOn) }) : null,
      ]);
      if (canChange && (d.job.state === 'failed' || d.job.state === 'completed')) {
        var rj = el('button', { className: 'btn', type: 'button', 'data-action': 'retry-job', text: 'Retry job' });
        rj.title = 'Runs the job again; it sends only to recipients not yet sent, and skips permanent failures';
        rj.addEventListener('click', function () { rj.disabled = true; retry(base + '/authorities/' + encodeURIComponent(d.id) + '/retry', 'Job'); });
        job.appendChild(rj);
      }
      if (d.job.failedReason) job.appendChild(el('div', { className: 'reason', text: d.job.failedReason }));
      parts.push(job);
    } else {
      parts.push(el('div', { className: 'job' }, [el('span', { text: 'No letter job in the queue for this authority yet.' })]));
    }

    parts.push(el('h4', { text: 'Deliveries' }));
    var letterKey = shownLetter || (d.deliveries[0] && d.deliveries[0].recipient);
    var rows = d.deliveries.map(function (r) {
      var actions = el('td', { className: 'actions' });
      var view = el('button', { className: 'btn' + (r.recipient === letterKey ? ' current' : ''), type: 'button', 'data-action': 'view-letter', text: 'Letter' });
      view.title = 'Show the letter ' + recipientLabel(r.recipient).toLowerCase() + ' was sent';
      view.addEventListener('click', function () { shownLetter = r.recipient; drawDetail(d); });
      actions.appendChild(view);
      if (canChange && (r.status === 'temporary-failure' || r.status === 'permanent-failure')) {
        var b = el('button', { className: 'btn primary', type: 'button', 'data-action': 'retry-delivery', text: 'Retry' });
        b.title = 'Marks this delivery as queued again and re-runs the letter job; recipients already sent are not sent again';
        b.addEventListener('click', function () {
          b.disabled = true;
          retry(base + '/authorities/' + encodeURIComponent(d.id) + '/deliveries/' + encodeURIComponent(r.recipient) + '/retry', recipientLabel(r.recipient));
        });
        actions.appendChild(b);
      }
      var times = [];
      if (r.sentAt) times.push('sent ' + time(r.sentAt));
      else if (r.updatedAt) times.push('updated ' + time(r.updatedAt));
      if (r.queuedAt) times.push('queued ' + time(r.queuedAt));
      return el('tr', { 'data-recipient': r.recipient, 'data-status': r.status }, [
        el('td', null, [el('div', { className: 'who', text: recipientLabel(r.recipient) + (r.name ? ' · ' + r.name : '') }), el('div', { className: 'email', text: r.email })]),
        el('td', null, [el('span', { className: 'chip s-' + r.status, text: STATUS_TEXT[r.status] })]),
        el('td', { text: String(r.attempts) }),
        el('td', { className: 'response', text: r.response || '' }),
        el('td', { className: 'times' }, times.map(function (t) { return el('div', { text: t }); })),
        actions,
      ]);
    });
    parts.push(el('table', { className: 'deliveries' }, [
      el('thead', null, [el('tr', null, ['Recipient', 'Status', 'Attempts', 'Last SMTP reply', 'Times', ''].map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', null, rows),
    ]));

    var log = [];
    if (d.job && d.job.logs.length > 0) {
      log.push(el('h4', { text: 'Job log' }));
      log.push(el('pre', { className: 'log', text: d.job.logs.join('\n') }));
    }
    var scroll = drawer.scrollTop;
    var main = section(drawer, 'd-main');
    var letter = section(drawer, 'd-letter');
    var logBox = section(drawer, 'd-log');
    main.replaceChildren.apply(main, parts);
    drawLetter(letter, d, letterKey);
    logBox.replaceChildren.apply(logBox, log);
    drawer.hidden = false;
    document.getElementById('backdrop').hidden = false;
    drawer.scrollTop = scroll;
  }
  function section(drawer, name) {
    var box = drawer.querySelector('[data-part="' + name + '"]');
    if (!box) { box = el('div', { 'data-part': name }); drawer.appendChild(box); }
    return box;
  }
  // The letter's frame is only replaced when another letter is asked for: re-inserting
  // an iframe reloads it, and a poll every two seconds must not make it flicker.
  function drawLetter(box, d, letterKey) {
    if (!letterKey) { box.replaceChildren(); return; }
    var src = base + '/authorities/' + encodeURIComponent(d.id) + '/letters/' + encodeURIComponent(letterKey);
    if (box.getAttribute('data-src') === src) return;
    box.setAttribute('data-src', src);
    box.replaceChildren(
      el('h4', { text: 'Letter as sent to ' + recipientLabel(letterKey).toLowerCase() }),
      el('div', { className: 'letter' }, [
        el('div', { className: 'l-head' }, [
          el('span', { className: 'subject', text: 'Rendered again from the stored campaign' }),
          el('a', { href: src + '?format=text', target: '_blank', rel: 'noopener', text: 'Plain text' }),
        ]),
        el('iframe', { sandbox: '', src: src, title: 'Letter to ' + recipientLabel(letterKey), loading: 'lazy' }),
      ]),
    );
  }

  // ---- polling -------------------------------------------------------------
  function refreshSummary() {
    return api(base + '/summary').then(drawSummary);
  }
  function refreshAll() {
    return Promise.all([refreshSummary(), refreshRows(), refreshDetail()]).catch(function (error) {
      var live = document.getElementById('live');
      live.className = 'live offline';
      live.textContent = 'cannot reach the ui (' + error.message + '); retrying';
    });
  }
  function loop() {
    var run = document.hidden ? Promise.resolve() : refreshAll();
    run.then(function () { setTimeout(loop, config.pollMs); });
  }

  var search = document.getElementById('search');
  var filter = document.getElementById('status');
  search.value = state.q;
  filter.value = state.status;
  var typing;
  search.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () { state.q = search.value.trim(); state.offset = 0; rememberInUrl(); refreshRows(); }, 250);
  });
  filter.addEventListener('change', function () { state.status = filter.value; state.offset = 0; rememberInUrl(); refreshRows(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && state.open) closeDetail(); });
  document.getElementById('backdrop').addEventListener('click', closeDetail);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refreshAll(); });
  loop();
})();
