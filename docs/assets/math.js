// Renders the maths of every page with the site's own KaTeX (assets/katex): \( \) and
// \[ \] from Markdown pages (pymdownx.arithmatex), $ and $$ from the walkthrough notebook.
// Nothing is fetched from another machine.
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.querySelector(".md-content") || document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
  });
});
