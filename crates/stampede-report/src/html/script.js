(function () {
  var node = document.getElementById('chart-data');
  if (!node) return;
  var data = JSON.parse(node.textContent);
  function fmtTime(s) {
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    var mm = (h ? String(m).padStart(2, '0') : String(m));
    return (h ? h + ':' : '') + mm + ':' + String(r).padStart(2, '0');
  }
  function fmt(v, unit) {
    if (v === null || v === undefined) return '–';
    var a = Math.abs(v), t = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
    return unit === 'ms' && a >= 1000 ? (v / 1000).toFixed(2) + ' s' : t + (unit ? ' ' + unit : '');
  }
  document.querySelectorAll('figure.chart').forEach(function (fig) {
    var d = data[fig.getAttribute('data-chart')];
    var svg = fig.querySelector('svg'), tip = fig.querySelector('.tip'), guide = svg.querySelector('.guide');
    if (!d || !d.x.length) return;
    var left = d.geom[0], width = d.geom[1], xmax = d.geom[2], vbw = d.geom[3];
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var vx = (ev.clientX - box.left) * vbw / box.width;
      var t = (vx - left) / width * xmax, lo = 0, hi = d.x.length - 1;
      while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (d.x[mid] < t) lo = mid; else hi = mid; }
      var i = Math.abs(d.x[lo] - t) <= Math.abs(d.x[hi] - t) ? lo : hi;
      var gx = left + d.x[i] / xmax * width;
      guide.setAttribute('x1', gx); guide.setAttribute('x2', gx); guide.setAttribute('visibility', 'visible');
      var html = '<b>t = ' + fmtTime(d.x[i]) + '</b>';
      d.series.forEach(function (s) {
        html += '<div><i style="background:' + s.color + '"></i>' + s.name.replace(/</g, '&lt;') + ': ' + fmt(s.values[i], d.unit) + '</div>';
      });
      tip.innerHTML = html; tip.hidden = false;
      var fbox = fig.getBoundingClientRect(), px = ev.clientX - fbox.left + 14;
      if (px + tip.offsetWidth > fbox.width) px = ev.clientX - fbox.left - tip.offsetWidth - 14;
      tip.style.left = px + 'px'; tip.style.top = (ev.clientY - fbox.top + 10) + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; guide.setAttribute('visibility', 'hidden'); });
  });
})();
