/* The player of autograd_mini's animate(): it replaces the still picture by the controls
   and frame 0's SVG, and shows a frame by applying its changes (texts and colours) to
   frame 0; the highlighted node is kept in view. The data (captions, changes, the node
   each frame highlights) is the JSON block beside this script. */
(function start(tries) {
  var root = document.getElementById(PLAYER_ID);
  if (!root) {                  /* not in the page yet (a notebook may add it later) */
    if (tries < 100) setTimeout(function () { start(tries + 1); }, 50);
    return;
  }
  var data = JSON.parse(
    root.querySelector("script[type='application/json']").textContent);
  var live = document.createElement("div");
  live.innerHTML = data.player;
  root.replaceChild(live, root.querySelector(".am-still"));
  var els = live.querySelector(".am-stage svg").querySelectorAll("*");
  var paint = ["fill", "stroke", "stroke-width", "font-weight"], base = {};
  data.frames.forEach(function (f) { f.forEach(function (c) {
    if (!(c[0] in base)) base[c[0]] = [els[c[0]].textContent,
      paint.map(function (a) { return els[c[0]].getAttribute(a); })];
  }); });
  var slider = live.querySelector("input"), count = live.querySelector(".am-count");
  var caption = live.querySelector(".am-caption"), n = data.captions.length;
  var play = live.querySelector("[data-act=play]"), timer = null, i = 0;
  function set(el, a, v) { if (v === null) el.removeAttribute(a); else el.setAttribute(a, v); }
  var stage = live.querySelector(".am-stage");
  function reveal(el, page) {   /* the highlighted node in view with room around it */
    var s = stage.getBoundingClientRect(), r = el.getBoundingClientRect();   /* inside */
    var dy = Math.min(80, s.height / 4), dx = Math.min(60, s.width / 4); /* the stage, */
    if (r.top < s.top + dy || r.bottom > s.bottom - dy)         /* (page) in the window */
      stage.scrollTop += (r.top + r.bottom - s.top - s.bottom) / 2;
    if (r.left < s.left + dx || r.right > s.right - dx)
      stage.scrollLeft += (r.left + r.right - s.left - s.right) / 2;
    r = el.getBoundingClientRect();
    if (page && (r.top < 0 || r.bottom > window.innerHeight || r.left < 0 ||
                 r.right > window.innerWidth))
      el.scrollIntoView({block: "nearest", inline: "nearest"});
  }
  function show(k, page) {
    i = Math.max(0, Math.min(n - 1, k));
    Object.keys(base).forEach(function (j) {
      els[j].textContent = base[j][0];
      paint.forEach(function (a, m) { set(els[j], a, base[j][1][m]); });
    });
    data.frames[i].forEach(function (c) {
      if (c[1] !== null) els[c[0]].textContent = c[1];
      Object.keys(c[2]).forEach(function (a) { set(els[c[0]], a, c[2][a]); });
    });
    caption.textContent = (i + 1) + "/" + n + ". " + data.captions[i];
    slider.value = i; count.textContent = (i + 1) + " / " + n;
    if (data.focus[i] >= 0) reveal(els[data.focus[i]], page);
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = data.labels.play; }
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (i === n - 1) show(0, true);
    play.textContent = data.labels.pause;
    timer = setInterval(function () { if (i >= n - 1) stop(); else show(i + 1, true); },
                        data.interval);
  };
  var moves = {first: function () { return 0; }, prev: function () { return i - 1; },
               next: function () { return i + 1; }, last: function () { return n - 1; }};
  Object.keys(moves).forEach(function (act) {
    live.querySelector("[data-act=" + act + "]").onclick = function () {
      stop(); show(moves[act](), true); };
  });
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10), true); };
  var top = live.querySelector(".am-top");
  function follow() {           /* keep the controls in view: below the top edge of */
    if (!document.body.contains(root)) {       /* every box that scrolls the player */
      document.removeEventListener("scroll", follow, true);
      window.removeEventListener("resize", follow);
      return;
    }
    var edge = 0;
    for (var e = root.parentElement; e && e !== document.body; e = e.parentElement) {
      var y = getComputedStyle(e).overflowY;
      if ((y === "auto" || y === "scroll") && e.scrollHeight > e.clientHeight)
        edge = Math.max(edge, e.getBoundingClientRect().top);
    }
    var box = live.getBoundingClientRect();
    top.style.top = Math.max(0, Math.min(edge - box.top, box.height - top.offsetHeight)) + "px";
  }
  document.addEventListener("scroll", follow, true);
  window.addEventListener("resize", follow);
  show(0, false);               /* on opening, the page stays where it is */
})(0);
