(function () {
  'use strict';
  var body = document.body;
  var page = body.getAttribute('data-page');
  function $(id) { return document.getElementById(id); }
  var initial = $('initial-status');
  // The page's state; also read by the browser tests.
  var S = window.stampedeDashboard = {
    status: initial ? JSON.parse(initial.textContent) : {},
    statusAt: performance.now(),
    points: [],
    seen: {},
    logs: [],
    logSeq: -1,
    events: 0,
    renders: 0
  };
  var MAX_POINTS = 8640, MAX_LOGS = 5000;
  var PALETTE = ['#3b5bdb', '#e8590c', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#f59f00', '#495057'];

  // ---- numbers for people (the report's rules) ----------------------------------------
  function num(v) { return typeof v === 'number' && isFinite(v); }
  function fmtMs(v) {
    if (!num(v)) return '–';
    if (v < 0.9995) return Math.round(v * 1000) + ' µs';
    if (v < 10) return v.toFixed(2) + ' ms';
    if (v < 1000) return v.toFixed(1) + ' ms';
    if (v < 60000) return (v / 1000).toFixed(2) + ' s';
    var s = Math.round(v / 1000);
    if (v < 3600000) return Math.floor(s / 60) + 'm ' + pad(s % 60) + 's';
    var m = Math.round(v / 60000);
    return Math.floor(m / 60) + 'h ' + pad(m % 60) + 'm';
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtCount(n) {
    if (!num(n)) return '–';
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  }
  function fmtRate(v) {
    if (!num(v)) return '–';
    return v >= 100 ? fmtCount(v) + '/s' : v.toFixed(2) + '/s';
  }
  function fmtPct(f) {
    if (!num(f)) return '–';
    return (f * 100).toFixed(f > 0 && f < 0.001 ? 2 : 1) + ' %';
  }
  function fmtDur(s) {
    if (!num(s)) return '–';
    var t = Math.max(0, Math.floor(s)), h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, r = t % 60;
    if (h) return h + 'h ' + pad(m) + 'm ' + pad(r) + 's';
    if (m) return m + 'm ' + pad(r) + 's';
    return r + ' s';
  }
  function fmtBytes(n) {
    if (!num(n)) return '–';
    if (n < 1024) return Math.round(n) + ' B';
    if (n < 1048576) return (n / 1024).toFixed(2) + ' KiB';
    if (n < 1073741824) return (n / 1048576).toFixed(2) + ' MiB';
    return (n / 1073741824).toFixed(2) + ' GiB';
  }
  function fmtClock(s) {
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    return (h ? h + ':' + pad(m) : String(m)) + ':' + pad(r);
  }
  function fmtTime(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function fmtDate(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + fmtTime(ms);
  }
  function fmtValue(v, unit) {
    if (!num(v)) return '–';
    if (unit === 'ms') return fmtMs(v);
    if (unit === '/s') return fmtRate(v);
    if (unit === 'B/s') return fmtBytes(v) + '/s';
    return fmtCount(v);
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // ---- DOM helpers ----------------------------------------------------------------------
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') e.textContent = v;
        else if (k === 'cls') e.className = v;
        else if (k === 'width') e.style.width = v;
        else e.setAttribute(k, v === true ? '' : v);
      });
    }
    (kids || []).forEach(function (k) {
      if (k !== null && k !== undefined) e.appendChild(typeof k === 'string' ? document.createTextNode(k) : k);
    });
    return e;
  }
  function fill(node, kids) {
    if (!node) return;
    node.textContent = '';
    kids.forEach(function (k) { if (k) node.appendChild(k); });
  }
  function table(head, rows) {
    return el('table', null, [
      el('thead', null, [el('tr', null, head.map(function (h, i) {
        return el('th', { text: h, cls: i === 0 ? 'text' : null, scope: 'col' });
      }))]),
      el('tbody', null, rows.map(function (r) {
        return el('tr', null, r.map(function (c) {
          return c instanceof Node ? el('td', null, [c]) : el('td', { text: c });
        }));
      }))
    ]);
  }
  function codePill(code) {
    var cls = /^[1-5]\d\d$/.test(code) ? 'pill c' + code.charAt(0) : 'pill';
    return el('span', { cls: cls, text: code });
  }
  function toast(text, bad) {
    var t = $('toast');
    if (!t) return;
    t.textContent = text;
    t.className = bad ? 'toast bad' : 'toast';
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 6000);
  }

  // ---- header, shared by every page -----------------------------------------------------
  function running(st) { return st.state === 'running' || st.state === 'starting'; }
  function elapsedNow() {
    var st = S.status, e = num(st.elapsed_s) ? st.elapsed_s : 0;
    if (st.state === 'running') e += (performance.now() - S.statusAt) / 1000;
    return e;
  }
  function stateText(st) {
    if (st.state === 'finished') {
      var o = st.outcome || {};
      return (o.completed ? 'Finished' : 'Stopped') + (o.description ? ': ' + o.description : '');
    }
    return { starting: 'Starting', running: 'Running', stopping: 'Stopping…' }[st.state] || st.state || '–';
  }
  function renderHeader(st) {
    body.setAttribute('data-state', st.state || 'starting');
    body.setAttribute('data-outcome', st.outcome ? (st.outcome.completed ? 'ok' : 'bad') : '');
    $('state-text').textContent = stateText(st);
    var title = st.title || st.scenario || 'Stampede';
    $('title').textContent = title;
    document.title = document.title.replace(/·.*—/, '· ' + title + ' —');
    var sub = [];
    if (st.scenario_path) sub.push(st.scenario_path);
    if (st.started_at) sub.push('started ' + st.started_at);
    if (st.run_dir) sub.push(st.run_dir);
    $('subtitle').textContent = sub.join(' · ');
    var stop = $('stop-open');
    if (st.state === 'finished') {
      stop.hidden = !st.keep_alive;
      stop.disabled = false;
      stop.textContent = 'Close the dashboard';
    } else if (st.state === 'stopping') {
      stop.hidden = false;
      stop.disabled = true;
      stop.textContent = 'Stopping…';
    } else {
      stop.hidden = false;
      stop.disabled = false;
      stop.textContent = 'Stop the run';
    }
  }
  function setLive(state) {
    body.setAttribute('data-live', state);
    $('live-text').textContent = {
      connecting: 'Connecting…', open: 'Live', lost: 'Reconnecting…', closed: 'Dashboard closed'
    }[state];
  }

  // ---- Status page ----------------------------------------------------------------------
  function renderClock() {
    var st = S.status, e = elapsedNow();
    if ($('elapsed')) $('elapsed').textContent = fmtDur(e);
    var bar = $('progress');
    if (!bar) return;
    if (num(st.planned_s) && st.planned_s > 0) {
      bar.className = 'progress';
      var frac = st.state === 'finished' ? Math.min(1, e / st.planned_s) : Math.min(1, e / st.planned_s);
      $('progress-fill').style.width = (frac * 100).toFixed(1) + '%';
      bar.setAttribute('aria-valuenow', Math.round(frac * 100));
    } else {
      bar.className = 'progress unknown';
    }
  }
  function phaseEnd(p) { return (num(p.started_s) ? p.started_s : p.planned_start_s) + p.duration_s; }
  function renderPhase(st) {
    var n = st.phase_total || 0, big = '–', note = 'no arrival phases';
    if (n > 0 && st.phase === 0) {
      big = 'Not started';
      note = st.state === 'finished' ? 'the run ended before the first phase' : n + (n > 1 ? ' phases planned' : ' phase planned');
    } else if (n > 0 && !st.phases[st.phase - 1]) {
      big = st.phase + ' of ' + n;
      note = '';
    } else if (n > 0) {
      var p = st.phases[st.phase - 1];
      big = st.phase + ' of ' + n;
      note = 'phase ' + p.number + ' · ' + fmtDur(p.duration_s) + ' · ' + (num(p.users_per_second) ? p.users_per_second.toFixed(p.users_per_second < 10 ? 2 : 1) : '–') + ' users/s';
      if (st.state === 'finished') note = 'run finished during phase ' + p.number;
      else if (st.phase === n && elapsedNow() > phaseEnd(p)) note = 'last phase over, waiting for users to finish';
    }
    $('phase-now').textContent = big;
    $('phase-note').textContent = note;
    $('planned').textContent = num(st.planned_s) ? 'of ' + fmtDur(st.planned_s) + ' planned' : 'no planned end';
    var segs = (st.phases || []).map(function (p, i) {
      var cls = 'seg' + (i < st.phase - 1 ? ' done' : i === st.phase - 1 ? ' current' : '');
      var seg = el('div', { cls: cls, title: 'Phase ' + p.number + (num(p.started_s) ? ', started at ' + fmtClock(p.started_s) : '') }, [
        el('b', { text: 'Phase ' + p.number }),
        el('span', { text: fmtDur(p.duration_s) + ' · ' + (num(p.users_per_second) ? p.users_per_second.toFixed(2) : '–') + '/s' })
      ]);
      seg.style.flexGrow = String(Math.max(1, p.duration_s || 1));
      return seg;
    });
    fill($('timeline'), segs.length ? segs : [el('div', { cls: 'empty', text: 'The phases appear when the run starts.' })]);
  }
  function kpi(key, label, value, note, cls) {
    return el('div', { cls: 'kpi' + (cls ? ' ' + cls : ''), 'data-k': key }, [
      el('div', { cls: 'label', text: label }),
      el('div', { cls: 'value', text: value }),
      el('div', { cls: 'note', text: note })
    ]);
  }
  function renderKpis(st) {
    var last = st.last_interval, t = st.totals || {};
    var ratio = last ? last.error_ratio : null;
    var errCls = num(ratio) ? (ratio >= 0.05 ? 'bad' : ratio >= 0.01 ? 'warn' : null) : null;
    var window_ = last ? 'last ' + fmtDur(last.dt) + ' interval' : 'after the first interval';
    fill($('kpis'), [
      kpi('users', 'Users running', fmtCount(st.users), 'max ' + fmtCount(st.max_users)),
      kpi('connected', 'Connected', fmtCount(st.connected_users), 'users with an open connection'),
      kpi('request_rate', 'Request rate', last ? fmtRate(st.request_rate) : '–', window_),
      kpi('mean', 'Mean response', last ? fmtMs(last.mean_ms) : '–', last ? 'median ' + fmtMs(last.p50_ms) : window_),
      kpi('p99', 'p99 response', last ? fmtMs(last.p99_ms) : '–', last ? 'max ' + fmtMs(last.max_ms) : window_),
      kpi('errors', 'Error rate', last ? fmtPct(ratio) : '–', last ? fmtCount(last.errors) + ' errors · ' + fmtRate(last.error_rate) : window_, errCls),
      kpi('requests', 'Requests', fmtCount(t.requests), fmtBytes(t.bytes_received) + ' received')
    ]);
  }
  function union(a, b) {
    var keys = {};
    Object.keys(a || {}).concat(Object.keys(b || {})).forEach(function (k) { keys[k] = true; });
    return Object.keys(keys).sort();
  }
  function perSecond(n, last) { return last && last.dt > 0 ? (n || 0) / last.dt : null; }
  function renderCodes(st) {
    var t = st.totals || {}, last = st.last_interval, codes = union(t.codes, last && last.codes);
    var sum = 0;
    codes.forEach(function (c) { sum += (t.codes || {})[c] || 0; });
    fill($('codes'), [codes.length ? table(['Code', 'Last interval', 'Total', 'Share'], codes.map(function (c) {
      var total = (t.codes || {})[c] || 0;
      return [codePill(c), last ? fmtRate(perSecond((last.codes || {})[c], last)) : '–', fmtCount(total), sum ? fmtPct(total / sum) : '–'];
    })) : el('p', { cls: 'empty', text: 'No responses yet.' })]);
  }
  function renderSessions(st) {
    var t = st.totals || {}, started = t.users_started || 0, done = t.sessions_completed || 0, aborted = t.sessions_aborted || 0;
    var runningUsers = st.users || 0, whole = Math.max(started, done + aborted + runningUsers, 1);
    var ended = done + aborted;
    fill($('sessions'), [
      el('div', { cls: 'stack', title: 'completed / ended early / running' }, [
        el('i', { cls: 'ok', width: (done / whole * 100) + '%' }),
        el('i', { cls: 'bad', width: (aborted / whole * 100) + '%' }),
        el('i', { cls: 'run', width: (runningUsers / whole * 100) + '%' })
      ]),
      el('div', { cls: 'legend' }, [
        el('span', null, [el('i', { cls: 'dot', style: 'background:#32d583' }), 'Completed', el('b', { text: fmtCount(done) })]),
        el('span', null, [el('i', { cls: 'dot', style: 'background:#f97066' }), 'Ended early', el('b', { text: fmtCount(aborted) })]),
        el('span', null, [el('i', { cls: 'dot', style: 'background:#84adff' }), 'Running', el('b', { text: fmtCount(runningUsers) })])
      ]),
      table(['', 'Users'], [
        ['Started', fmtCount(started)],
        ['Completed', fmtCount(done)],
        ['Ended early', fmtCount(aborted)],
        ['Running now', fmtCount(runningUsers)],
        ['Completed of ended', ended ? fmtPct(done / ended) : '–']
      ])
    ]);
  }
  function renderErrors(st) {
    var t = st.totals || {}, last = st.last_interval, classes = union(t.error_classes, last && last.error_classes);
    fill($('errors'), [classes.length ? table(['Error', 'Last interval', 'Total'], classes.map(function (c) {
      return [el('span', { cls: 'pill err', text: c }), last ? fmtRate(perSecond((last.error_classes || {})[c], last)) : '–', fmtCount((t.error_classes || {})[c] || 0)];
    })) : el('p', { cls: 'empty', text: 'No errors so far.' })]);
  }
  function renderStatusPage(st) {
    renderClock();
    renderPhase(st);
    renderKpis(st);
    renderCodes(st);
    renderSessions(st);
    renderErrors(st);
  }

  // ---- Graphs page ----------------------------------------------------------------------
  function codeColor(code, i) {
    var c = code.charAt(0);
    var sets = { '2': ['#2f9e44', '#12b886', '#74b816'], '3': ['#f59f00', '#fab005'], '4': ['#e8590c', '#d9480f', '#f76707'], '5': ['#c2255c', '#e03131', '#a61e4d'] };
    var set = sets[c] || ['#495057', '#868e96'];
    return set[i % set.length];
  }
  function keysOf(field) {
    var keys = {};
    S.points.forEach(function (p) { Object.keys(p[field] || {}).forEach(function (k) { keys[k] = true; }); });
    return Object.keys(keys).sort();
  }
  function rate(p, n) { return p.dt > 0 ? (n || 0) / p.dt : null; }
  var CHARTS = [
    { id: 'latency', title: 'Response time', unit: 'ms', series: function () {
      return [
        { name: 'mean', color: PALETTE[0], get: function (p) { return p.mean_ms; } },
        { name: 'p99', color: PALETTE[0], dashed: true, get: function (p) { return p.p99_ms; } },
        { name: 'median', color: PALETTE[5], get: function (p) { return p.p50_ms; } }
      ];
    } },
    { id: 'throughput', title: 'Throughput', unit: '/s', series: function () {
      return [
        { name: 'requests', color: PALETTE[0], get: function (p) { return p.rate; } },
        { name: 'users started', color: PALETTE[2], get: function (p) { return rate(p, p.users_started); } }
      ];
    } },
    { id: 'users', title: 'Users and connections', unit: '', series: function () {
      return [
        { name: 'users', color: PALETTE[4], get: function (p) { return p.users; } },
        { name: 'connected', color: PALETTE[5], get: function (p) { return p.connected; } }
      ];
    } },
    { id: 'codes', title: 'HTTP codes', unit: '/s', series: function () {
      var counts = {};
      return keysOf('codes').map(function (c) {
        var k = c.charAt(0);
        counts[k] = (counts[k] || 0) + 1;
        return { name: c, color: codeColor(c, counts[k] - 1), get: function (p) { return rate(p, (p.codes || {})[c]); } };
      });
    }, empty: 'No responses yet.' },
    { id: 'errors', title: 'Errors', unit: '/s', series: function () {
      var classes = keysOf('error_classes');
      var colors = ['#7048e8', '#f59f00', '#0c8599', '#e8590c', '#495057', '#2f9e44', '#3b5bdb'];
      var list = classes.map(function (c, i) {
        return { name: c.replace(/^error_/, ''), color: colors[i % colors.length], get: function (p) { return rate(p, (p.error_classes || {})[c]); } };
      });
      if (list.length > 1) list.unshift({ name: 'all', color: '#c01048', dashed: true, get: function (p) { return p.error_rate; } });
      return list;
    }, empty: 'No errors so far.' },
    { id: 'network', title: 'Network', unit: 'B/s', series: function () {
      return [
        { name: 'received', color: PALETTE[0], get: function (p) { return rate(p, p.bytes_received); } },
        { name: 'sent', color: PALETTE[1], get: function (p) { return rate(p, p.bytes_sent); } }
      ];
    } }
  ];
  function niceStep(range, parts) {
    var raw = range / parts, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }
  function timeStep(xmax) {
    var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];
    for (var i = 0; i < steps.length; i++) if (xmax / steps[i] <= 7) return steps[i];
    return 86400 * Math.ceil(xmax / 86400 / 7);
  }
  var BYTE_UNITS = [['B/s', 1], ['KiB/s', 1024], ['MiB/s', 1048576], ['GiB/s', 1073741824]];
  // The y axis: a round step in the unit the labels use.
  function yAxis(ymax, unit) {
    var div = 1, suffix = unit === 'ms' ? ' ms' : unit === '/s' ? '/s' : '';
    if (unit === 'B/s') {
      BYTE_UNITS.forEach(function (u) { if (ymax >= u[1]) { div = u[1]; suffix = ' ' + u[0]; } });
      if (ymax < 1) suffix = ' B/s';
    } else if (unit === 'ms' && ymax >= 1000) {
      div = 1000;
      suffix = ' s';
    }
    var step = niceStep(ymax > 0 ? ymax / div : 1, 4) * div;
    return {
      step: step,
      top: Math.max(step, Math.ceil(ymax / step - 1e-9) * step),
      label: function (v) {
        var x = Math.round(v / div * 1000) / 1000;
        if (unit !== 'B/s' && unit !== 'ms') {
          if (x >= 1e6) return (x / 1e6) + 'M' + suffix;
          if (x >= 1e4) return (x / 1e3) + 'k' + suffix;
        }
        return x + suffix;
      }
    };
  }
  function setupCharts() {
    var box = $('charts');
    if (!box) return;
    CHARTS.forEach(function (c) {
      var fig = el('figure', { cls: 'chart', 'data-chart': c.id }, [
        el('figcaption', null, [c.title, el('span', { text: c.unit === 'ms' ? 'milliseconds' : c.unit === '' ? 'count' : 'per second' })]),
        el('div', { cls: 'plot' }, [el('div', { cls: 'svg-box' }), el('div', { cls: 'nodata', hidden: true }), el('div', { cls: 'tip', hidden: true })]),
        el('div', { cls: 'legend' })
      ]);
      box.appendChild(fig);
      c.fig = fig;
    });
  }
  function drawChart(c) {
    var st = S.status, pts = S.points, fig = c.fig;
    var plot = fig.querySelector('.plot'), svgBox = fig.querySelector('.svg-box');
    var nodata = fig.querySelector('.nodata'), tip = fig.querySelector('.tip');
    var series = c.series().map(function (s) {
      s.values = pts.map(function (p) { var v = s.get(p); return num(v) ? v : null; });
      return s;
    });
    var W = Math.max(320, Math.round(plot.clientWidth || 600)), H = 220, L = 62, R = 16, T = 14, B = 26;
    var w = W - L - R, h = H - T - B;
    var xs = pts.map(function (p) { return p.t; });
    var xmax = Math.max(xs.length ? xs[xs.length - 1] : 0, st.state !== 'finished' && num(st.planned_s) ? st.planned_s : 0, 1);
    var ymax = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > ymax) ymax = v; }); });
    var axis = yAxis(ymax, c.unit), step = axis.step, top = axis.top;
    function X(t) { return L + t / xmax * w; }
    function Y(v) { return T + h - v / top * h; }
    var out = '<svg viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(c.title) + '">';
    for (var v = 0; v <= top + step / 2; v += step) {
      var y = Y(v).toFixed(1);
      out += '<line class="grid" x1="' + L + '" x2="' + (L + w) + '" y1="' + y + '" y2="' + y + '"/>';
      out += '<text class="tick" x="' + (L - 6) + '" y="' + y + '" dy="4" text-anchor="end">' + esc(axis.label(v)) + '</text>';
    }
    var ts = timeStep(xmax);
    for (var t = 0; t <= xmax + 1e-9; t += ts) {
      out += '<text class="tick" x="' + X(t).toFixed(1) + '" y="' + (T + h + 17) + '" text-anchor="middle">' + fmtClock(t) + '</text>';
    }
    out += '<line class="axis" x1="' + L + '" x2="' + (L + w) + '" y1="' + (T + h) + '" y2="' + (T + h) + '"/>';
    (st.phases || []).forEach(function (p) {
      if (!num(p.started_s) || p.started_s > xmax) return;
      var px = X(p.started_s).toFixed(1);
      out += '<line class="phase" x1="' + px + '" x2="' + px + '" y1="' + T + '" y2="' + (T + h) + '"/>';
      out += '<text class="phase-label" x="' + (+px + 4) + '" y="' + (T + 10) + '">phase ' + esc(p.number) + '</text>';
    });
    series.forEach(function (s) {
      var d = '', prev = false, lone = [];
      s.values.forEach(function (v, i) {
        if (v === null) { prev = false; return; }
        d += (prev ? 'L' : 'M') + X(xs[i]).toFixed(1) + ',' + Y(v).toFixed(1);
        var next = i + 1 < s.values.length ? s.values[i + 1] : null;
        if (!prev && next === null) lone.push([X(xs[i]), Y(v)]);
        prev = true;
      });
      if (d) out += '<path class="line' + (s.dashed ? ' dashed' : '') + '" stroke="' + s.color + '" d="' + d + '"/>';
      lone.forEach(function (q) { out += '<circle r="2.5" fill="' + s.color + '" cx="' + q[0].toFixed(1) + '" cy="' + q[1].toFixed(1) + '"/>'; });
    });
    out += '<line class="guide" y1="' + T + '" y2="' + (T + h) + '" x1="0" x2="0" visibility="hidden"/></svg>';
    svgBox.innerHTML = out;
    var empty = !pts.length ? 'Waiting for the first statistics interval' + (num(st.interval_s) ? ' (every ' + fmtDur(st.interval_s) + ')' : '') + '.' : !series.length ? (c.empty || 'No data.') : null;
    nodata.hidden = !empty;
    nodata.textContent = empty || '';
    fill(fig.querySelector('.legend'), series.map(function (s) {
      var lastV = null;
      for (var i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) { lastV = s.values[i]; break; }
      var swatch = s.dashed ? 'repeating-linear-gradient(90deg,' + s.color + ' 0 4px,transparent 4px 6px)' : s.color;
      return el('span', null, [el('i', { style: 'background:' + swatch }), s.name, el('b', { text: fmtValue(lastV, c.unit) })]);
    }));
    var svg = svgBox.querySelector('svg'), guide = svg.querySelector('.guide');
    svg.addEventListener('mousemove', function (ev) {
      if (!xs.length) return;
      var box = svg.getBoundingClientRect(), vx = (ev.clientX - box.left) * W / box.width;
      var target = (vx - L) / w * xmax, best = 0;
      for (var i = 1; i < xs.length; i++) if (Math.abs(xs[i] - target) < Math.abs(xs[best] - target)) best = i;
      var gx = X(xs[best]);
      guide.setAttribute('x1', gx); guide.setAttribute('x2', gx); guide.setAttribute('visibility', 'visible');
      var html = '<b>t = ' + fmtClock(xs[best]) + '</b>';
      series.forEach(function (s) {
        html += '<div><i style="background:' + s.color + '"></i>' + esc(s.name) + ': ' + esc(fmtValue(s.values[best], c.unit)) + '</div>';
      });
      tip.innerHTML = html;
      tip.hidden = false;
      var pbox = plot.getBoundingClientRect(), px = ev.clientX - pbox.left + 14;
      if (px + tip.offsetWidth > pbox.width) px = ev.clientX - pbox.left - tip.offsetWidth - 14;
      tip.style.left = px + 'px';
      tip.style.top = (ev.clientY - pbox.top + 10) + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; guide.setAttribute('visibility', 'hidden'); });
  }
  var drawQueued = false;
  function drawCharts() {
    if (page !== 'graphs' || drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(function () {
      drawQueued = false;
      CHARTS.forEach(drawChart);
      S.renders++;
    });
  }
  function addPoint(p) {
    if (S.seen[p.index]) return;
    S.seen[p.index] = true;
    S.points.push(p);
    if (S.points.length > 1 && S.points[S.points.length - 2].index > p.index) {
      S.points.sort(function (a, b) { return a.index - b.index; });
    }
    if (S.points.length > MAX_POINTS) delete S.seen[S.points.shift().index];
    drawCharts();
  }
  function loadSeries() {
    return fetch('/api/series').then(function (r) { return r.json(); }).then(function (list) {
      // Points pushed while this was loading are kept; duplicates are skipped.
      list.forEach(addPoint);
      drawCharts();
    }).catch(function () { /* the next event retries */ });
  }

  // ---- Logs page ------------------------------------------------------------------------
  function logLine(l) {
    return el('div', { cls: 'line ' + l.level }, [
      el('time', { text: fmtTime(l.at_unix_ms), title: fmtDate(l.at_unix_ms) }),
      el('span', { cls: 'lvl', text: l.level.toUpperCase() }),
      l.text
    ]);
  }
  function follow() {
    var box = $('log');
    if (box && $('log-follow').checked) box.scrollTop = box.scrollHeight;
  }
  function renderLogs(dropped) {
    var kids = S.logs.map(logLine);
    if (dropped) kids.unshift(el('div', { cls: 'empty', text: fmtCount(dropped) + ' older lines are not kept in memory.' }));
    if (!kids.length) kids.push(el('div', { cls: 'empty', text: 'No log lines yet.' }));
    fill($('log'), kids);
    follow();
  }
  function addLog(l) {
    if (page !== 'logs' || l.seq <= S.logSeq) return;
    S.logSeq = l.seq;
    S.logs.push(l);
    var box = $('log');
    var empty = box.querySelector('.empty:only-child');
    if (empty) empty.remove();
    box.appendChild(logLine(l));
    if (S.logs.length > MAX_LOGS) { S.logs.shift(); if (box.firstChild) box.removeChild(box.firstChild); }
    follow();
  }
  function loadLogs() {
    return fetch('/api/logs').then(function (r) { return r.json(); }).then(function (d) {
      // Lines pushed while this was loading are kept after the snapshot.
      var last = d.lines.length ? d.lines[d.lines.length - 1].seq : -1;
      S.logs = d.lines.concat(S.logs.filter(function (l) { return l.seq > last; }));
      S.logSeq = Math.max(S.logSeq, last);
      renderLogs(d.dropped);
    }).catch(function () {});
  }
  function fileHref(path) { return '/files/' + path.split('/').map(encodeURIComponent).join('/'); }
  function loadFiles() {
    return fetch('/api/files').then(function (r) { return r.json(); }).then(function (files) {
      var total = 0;
      files.forEach(function (f) { total += f.size; });
      $('files-note').textContent = fmtCount(files.length) + (files.length === 1 ? ' file, ' : ' files, ') + fmtBytes(total) + ' in ' + (S.status.run_dir || 'the run directory') + '.';
      fill($('files'), [files.length ? table(['File', 'Size', 'Modified', ''], files.map(function (f) {
        return [
          el('a', { href: fileHref(f.path), target: '_blank', rel: 'noopener', text: f.path }),
          fmtBytes(f.size),
          num(f.modified_unix_ms) ? fmtDate(f.modified_unix_ms) : '–',
          el('a', { href: fileHref(f.path) + '?download=1', cls: 'button', text: 'Download' })
        ];
      })) : el('p', { cls: 'empty', text: 'The run directory is empty so far.' })]);
    }).catch(function () {});
  }
  var filesTimer = null;
  function refreshFilesSoon() {
    if (page !== 'logs' || filesTimer) return;
    filesTimer = setTimeout(function () { filesTimer = null; loadFiles(); }, 1000);
  }

  // ---- Report page ----------------------------------------------------------------------
  var shownReport = S.status.report_version || 0, loadingReport = false;
  function reportNote(st) {
    var n = $('report-note');
    if (!n) return;
    if (!st.report_version) n.textContent = 'No report yet: it appears when the first statistics interval closes.';
    else if (st.state === 'finished') n.textContent = 'The final report of the run (also in the run directory as report.html).';
    else n.textContent = 'The report of the run so far, regenerated at each statistics interval' + (st.last_interval ? ' (last at ' + fmtClock(st.last_interval.t) + ')' : '') + '.';
  }
  function refreshReport(st) {
    reportNote(st);
    if (loadingReport || st.report_version === shownReport || !$('report-auto').checked) return;
    loadingReport = true;
    var version = st.report_version, old = $('report-frame');
    var fresh = el('iframe', { title: 'Report', cls: 'loading', src: '/report/live.html?v=' + version });
    fresh.addEventListener('load', function () {
      var y = 0;
      try { y = old.contentWindow.scrollY; } catch (e) { y = 0; }
      try { fresh.contentWindow.scrollTo(0, y); } catch (e) { /* nothing to restore */ }
      old.remove();
      fresh.id = 'report-frame';
      fresh.className = '';
      shownReport = version;
      loadingReport = false;
      if (S.status.report_version !== shownReport) refreshReport(S.status);
    });
    $('frame-wrap').appendChild(fresh);
  }

  // ---- Stop ------------------------------------------------------------------------------
  var dialog = $('stop-dialog'), runText = $('stop-text').innerHTML;
  function sendStop() {
    fetch('/api/stop', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ confirm: true })
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    }).then(function (res) {
      if (!res.ok) toast('Stop refused: ' + (res.body.error || 'unknown reason'), true);
      else if (res.body.action === 'close') toast('Closing the dashboard…');
      else toast('Stop requested: users are stopping and the outputs are being written.');
    }).catch(function (e) { toast('Stop failed: ' + e, true); });
  }
  $('stop-open').addEventListener('click', function () {
    var fin = S.status.state === 'finished';
    $('stop-title').textContent = fin ? 'Close the dashboard?' : 'Stop the run?';
    if (fin) $('stop-text').textContent = 'The run is over and its outputs are written. Closing the dashboard ends the program.';
    else $('stop-text').innerHTML = runText;
    $('stop-confirm').textContent = fin ? 'Close the dashboard' : 'Stop the run';
    if (dialog && dialog.showModal) dialog.showModal();
    else if (window.confirm(fin ? 'Close the dashboard?' : 'Stop the run?')) sendStop();
  });
  $('stop-cancel').addEventListener('click', function () { dialog.close(); });
  $('stop-confirm').addEventListener('click', function () { dialog.close(); sendStop(); });

  // ---- live updates ----------------------------------------------------------------------
  function onStatus(st) {
    var before = S.status;
    S.status = st;
    S.statusAt = performance.now();
    renderHeader(st);
    if (page === 'status') renderStatusPage(st);
    else if (page === 'graphs') drawCharts();
    else if (page === 'report') refreshReport(st);
    else if (page === 'logs' && (st.series_len !== before.series_len || st.state !== before.state)) refreshFilesSoon();
  }
  function connect() {
    if (!window.EventSource) { setLive('lost'); return; }
    var source = new EventSource('/api/events');
    source.onopen = function () {
      setLive('open');
      if (page === 'graphs') loadSeries();
      if (page === 'logs') { loadLogs(); loadFiles(); }
    };
    source.onerror = function () {
      if (S.status.state === 'finished') { source.close(); setLive('closed'); }
      else setLive('lost');
    };
    function on(name, handler) {
      source.addEventListener(name, function (e) {
        S.events++;
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        handler(data);
      });
    }
    on('status', onStatus);
    on('point', addPoint);
    on('log', addLog);
    on('resync', function () {
      if (page === 'graphs') loadSeries();
      if (page === 'logs') loadLogs();
    });
  }

  setupCharts();
  onStatus(S.status);
  requestAnimationFrame(function () { body.classList.add('ready'); });
  setInterval(function () {
    if (S.status.state !== 'running') return;
    if (page === 'status') { renderClock(); renderPhase(S.status); }
  }, 1000);
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawCharts, 150);
  });
  connect();
})();
