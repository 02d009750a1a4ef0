/* Handbook: tell wide matrices apart, so that the stylesheet shows the "scrolls sideways" hint, fades the
   edge still to scroll to and shades the fixed first column once the rest has moved beneath it. */
(function () {
  "use strict";

  function update(box) {
    var wide = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("matrix--wide", wide);
    box.classList.toggle("matrix--scrolled", box.scrollLeft > 0);
    box.classList.toggle("matrix--at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
    var hint = box.previousElementSibling;
    if (hint && hint.classList.contains("matrix-hint")) {
      hint.classList.toggle("matrix-hint--shown", wide);
    }
  }

  function updateAll() {
    document.querySelectorAll(".md-typeset .matrix").forEach(update);
  }

  function setup() {
    document.querySelectorAll(".md-typeset .matrix").forEach(function (box) {
      if (!box.dataset.handbookMatrix) {
        box.dataset.handbookMatrix = "1";
        box.addEventListener("scroll", function () { update(box); }, { passive: true });
      }
      update(box);
    });
  }

  window.addEventListener("resize", updateAll);
  window.addEventListener("hashchange", updateAll);
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);  /* the theme's page-ready signal */
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
