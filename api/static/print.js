// Progressive enhancement: the plan's print button opens the browser's print dialog (where "Gem som PDF" is).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
