// The menu's groups: one open at a time, closed by Escape or a click
// elsewhere. Without this script they still open and close by themselves.
(function () {
  var groups = document.querySelectorAll("header details.nav-group");
  function closeAll(except) {
    groups.forEach(function (g) { if (g !== except) { g.open = false; } });
  }
  groups.forEach(function (g) {
    g.addEventListener("toggle", function () { if (g.open) { closeAll(g); } });
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest("details.nav-group")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      var open = document.querySelector("header details.nav-group[open]");
      if (open) { open.open = false; open.querySelector("summary").focus(); }
    }
  });
})();
